/**
 * The local CloudBase emulator, whole: the core (admin wire, database,
 * storage, persistence, stats, /_local routes) with the functions runner,
 * timers, openapi and the pay sandbox installed on it.
 */
import { createEmulatorCore, type CoreOptions, type EmulatorCore } from './core';
import { installFunctions, type FunctionsOptions, type FunctionsRuntime } from './functions';
import { installTimers, type Timers, type TimersOptions } from './timers';
import { installOpenApi, type OpenApiEmulator } from './openapi';
import { installPay, type PayOptions, type PaySandbox } from './pay';
import { DbError } from './db/errors';

export interface EmulatorOptions extends CoreOptions {
  functions?: FunctionsOptions;
  timers?: TimersOptions;
  pay?: Omit<PayOptions, 'reset' | 'persist'>;
}

export interface LocalEmulator extends EmulatorCore {
  functions: FunctionsRuntime;
  timers: Timers;
  openapi: OpenApiEmulator;
  pay: PaySandbox;
}

export async function createEmulator(opts: EmulatorOptions): Promise<LocalEmulator> {
  const core = await createEmulatorCore(opts);
  const functions = installFunctions(core, opts.functions);
  const openapi = installOpenApi(core, { reset: opts.reset, persist: opts.persist });
  const pay = installPay(core, { ...(opts.pay ?? {}), reset: opts.reset, persist: opts.persist });
  const timers = installTimers(core, opts.timers);
  // Index declarations (scripts/setup-db.ts): { "<collection>": [{ keys: { field: 1 }, unique? }] }.
  core.registerRoute('POST', '/_local/indexes', async (_req, body) => {
    let spec: Record<string, { keys: Record<string, number>; unique?: boolean }[]>;
    try {
      spec = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      return { status: 400, json: { errCode: 'INVALID_REQUEST', errMsg: 'body must be JSON' } };
    }
    let declared = 0;
    try {
      for (const [coll, list] of Object.entries(spec)) {
        await core.db.createCollection(coll);
        for (const ix of Array.isArray(list) ? list : []) {
          await core.db.ensureIndex(coll, Object.keys(ix.keys ?? {}), { unique: !!ix.unique });
          declared++;
        }
      }
    } catch (e) {
      // e.g. more than MAX_INDEXES_PER_COLLECTION on one collection, as the console refuses it
      if (e instanceof DbError) return { status: 409, json: { errCode: e.code, errMsg: e.message, declared } };
      throw e;
    }
    return { status: 200, json: { declared } };
  });
  return Object.assign(core, { functions, timers, openapi, pay });
}
