/**
 * Cloud functions of the local emulator.
 *
 *   installFunctions(emu, opts?)  → FunctionsRuntime
 *     - admin action `functions.invokeFunction` (cloud.callFunction from a function:
 *       SOURCE chained `<caller>,scf`, the caller's OPENID/APPID/UNIONID passed on)
 *     - POST /functions/:name       body = event; x-wx-openid, x-wx-source (wx_client), x-wx-appid, x-wx-unionid
 *       (refused before running, as on the platform: an unknown SOURCE or an event nested deeper than
 *       100 levels → 400 errCode -501007; an event over 100 KB → 413 EXCEED_MAX_PAYLOAD_SIZE; a return
 *       value over 6 MB → 500 errCode -504002)
 *     - GET  /_local/functions      the functions found and the live workers
 *     - GET  /_local/logs           recent invocations with their captured logs (?function=&id=&limit=)
 *   invoke(emu, name, event, opts)          → the function's return value (throws FunctionInvokeError)
 *   invokeDetailed(emu, name, event, opts)  → InvocationOutcome (never throws)
 *   currentInvocation(emu, workerId)        → who is running on that worker now (for openapi / pay records)
 */
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Emulator, HttpResult } from '../types';
import { sdkEnv as coreSdkEnv } from '../core';
import { FunctionPool, functionConfig, type Identity, type InvocationContext, type InvocationOutcome, type PoolOptions } from './pool';

/** The built functions in `dir` (folders with an index.js; the build's hidden staging folders left out), sorted. */
export function builtFunctionNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(path.join(dir, d.name, 'index.js')))
    .map((d) => d.name)
    .sort();
}

export { ERR, identityEnv, type Identity, type InvocationContext, type InvocationOutcome, type WorkerInfo } from './pool';

export const DEFAULT_APPID = 'wx00000000emulator';

export interface FunctionsOptions extends Partial<Omit<PoolOptions, 'sdkEnv'>> {
  /** AppID of the mini-program (WX_APPID, event.userInfo.appId). */
  appid?: string;
  /** Override the SDK redirection env (default: the core's sdkEnv). */
  sdkEnv?: PoolOptions['sdkEnv'];
}

export interface InvokeOptions {
  openid?: string;
  /** default: the emulator's appid */
  appid?: string;
  unionid?: string;
  /** SOURCE (chain); default `wx_client` */
  source?: string;
  /** A call made from inside another invocation (may exceed the global process cap). */
  nested?: boolean;
}

export class FunctionInvokeError extends Error {
  readonly errCode: number;
  readonly errMsg: string;
  readonly outcome: InvocationOutcome;
  constructor(outcome: InvocationOutcome) {
    const e = outcome.error!;
    super(`errCode: ${e.errCode} | errMsg: ${e.errMsg}`);
    this.name = 'FunctionInvokeError';
    this.errCode = e.errCode;
    this.errMsg = e.errMsg;
    this.outcome = outcome;
  }
}

export interface FunctionsRuntime {
  pool: FunctionPool;
  appid: string;
  invoke(name: string, event: unknown, opts?: InvokeOptions): Promise<unknown>;
  invokeDetailed(name: string, event: unknown, opts?: InvokeOptions): Promise<InvocationOutcome>;
  current(workerId: string | undefined): InvocationContext | undefined;
  /** Names of the built functions in emu.functionsDir. */
  list(): string[];
  close(): Promise<void>;
}

const runtimes = new WeakMap<Emulator, FunctionsRuntime>();

const CLIENT_SOURCES = new Set(['wx_client', 'wx_devtools']);

/** The immediate caller: the last segment of the SOURCE chain. */
function lastSource(source: string): string {
  const parts = source.split(',');
  return parts[parts.length - 1].trim();
}

export function installFunctions(emu: Emulator, opts: FunctionsOptions = {}): FunctionsRuntime {
  const existing = runtimes.get(emu);
  if (existing) return existing;
  const appid = opts.appid ?? DEFAULT_APPID;
  const pool = new FunctionPool(emu, { ...opts, sdkEnv: opts.sdkEnv ?? ((e, w) => coreSdkEnv(e, w)) });

  const invokeDetailed = (name: string, event: unknown, o: InvokeOptions = {}): Promise<InvocationOutcome> => {
    const identity: Identity = {
      openid: o.openid || undefined,
      appid: o.appid ?? appid,
      unionid: o.unionid || undefined,
      source: o.source || 'wx_client',
    };
    let ev: unknown = event === undefined || event === null ? {} : event;
    if (CLIENT_SOURCES.has(lastSource(identity.source)) && ev && typeof ev === 'object' && !Array.isArray(ev)) {
      // The platform injects the caller on calls from the mini-program itself (identity still comes from getWXContext).
      ev = { ...(ev as Record<string, unknown>), userInfo: { appId: identity.appid, openId: identity.openid } };
    }
    return pool.invoke(name, ev, identity, !!o.nested);
  };

  const runtime: FunctionsRuntime = {
    pool,
    appid,
    invokeDetailed,
    async invoke(name, event, o) {
      const out = await invokeDetailed(name, event, o);
      if (!out.ok) throw new FunctionInvokeError(out);
      return out.value;
    },
    current: (workerId) => (workerId ? pool.current(workerId) : undefined),
    list: () => builtFunctionNames(emu.functionsDir),
    close: () => pool.close(),
  };
  runtimes.set(emu, runtime);

  // cloud.callFunction from inside a function.
  emu.registerAction('functions.invokeFunction', async (req) => {
    const requestId = `emu-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const name = String(req.params.function_name ?? '');
    let event: unknown = {};
    const raw = req.params.request_data;
    if (typeof raw === 'string' && raw !== '') {
      try {
        event = JSON.parse(raw);
      } catch {
        return { kind: 'json', body: { code: 'INVALID_PARAM', message: 'request_data is not JSON', requestId } };
      }
    } else if (raw && typeof raw === 'object') event = raw;
    const caller = pool.current(req.workerId ?? '');
    const out = await invokeDetailed(name, event, {
      openid: caller?.openid,
      appid: caller?.appid ?? appid,
      unionid: caller?.unionid,
      source: caller ? `${caller.source},scf` : 'scf',
      nested: !!caller,
    });
    if (out.ok) {
      return { kind: 'json', body: { data: { response_data: JSON.stringify(out.value ?? null) }, requestId } };
    }
    // node-sdk 3.17.2 throws this as an Error (its throwOnCode switch is never turned off), so the
    // caller's callFunction rejects with errCode -1, errMsg 'callFunction:fail <message>', code <code>.
    const e = out.error!;
    if (e.kind === 'invalid-request') return { kind: 'json', body: { code: 'INVALID_PARAM', message: e.errMsg, requestId } };
    if (e.kind === 'event-too-large') return { kind: 'json', body: { code: 'EXCEED_MAX_PAYLOAD_SIZE', message: e.errMsg, requestId } };
    const code = e.kind === 'not-found' || e.kind === 'closed' ? 'FUNCTIONS_REQUEST_FAIL' : 'FUNCTIONS_EXECUTE_FAIL';
    const label = code === 'FUNCTIONS_REQUEST_FAIL' ? 'functions request fail' : 'functions execute fail';
    return { kind: 'json', body: { code, message: `errCode: ${e.errCode} ${label} | errMsg: ${e.errMsg}`, requestId } };
  });

  // Calls from the mini-program (or a test, or curl).
  emu.registerRoute('POST', '/functions/:name', async (req, body, params): Promise<HttpResult> => {
    const name = params.name;
    let event: unknown = {};
    const text = body.toString('utf8').trim();
    if (text) {
      try {
        event = JSON.parse(text);
      } catch {
        return { status: 400, json: { errCode: -501007, errMsg: 'invalid parameters: body is not JSON' } };
      }
    }
    const header = (k: string): string | undefined => {
      const v = req.headers[k];
      return Array.isArray(v) ? v[0] : v || undefined;
    };
    const out = await invokeDetailed(name, event, {
      openid: header('x-wx-openid'),
      appid: header('x-wx-appid'),
      unionid: header('x-wx-unionid'),
      source: header('x-wx-source') || 'wx_client',
    });
    if (out.ok) return { status: 200, json: out.value ?? null };
    const e = out.error!;
    const status = e.kind === 'not-found' ? 404 : e.kind === 'invalid-request' ? 400 : e.kind === 'event-too-large' ? 413 : 500;
    return { status, json: { errCode: e.errCode, errMsg: e.errMsg, requestId: out.id } };
  });

  emu.registerRoute('GET', '/_local/functions', async () => ({
    status: 200,
    json: {
      data: runtime.list().map((name) => ({ name, config: functionConfig(emu.functionsDir, name) })),
      workers: pool.workersInfo(),
      queued: pool.queued(),
    },
  }));

  emu.registerRoute('GET', '/_local/logs', async (req) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const fn = url.searchParams.get('function');
    const id = url.searchParams.get('id');
    const limit = Number(url.searchParams.get('limit') ?? 50);
    let list = pool.recentLogs();
    if (fn) list = list.filter((o) => o.function === fn);
    if (id) list = list.filter((o) => o.id === id);
    list = list.slice(-Math.max(1, limit));
    return {
      status: 200,
      json: {
        data: list.map((o) => ({ id: o.id, function: o.function, outcome: o.outcome, pid: o.pid, cold: o.cold, durationMs: o.durationMs, error: o.error, logs: o.logs })),
      },
    };
  });

  emu.onClose(() => pool.close());
  return runtime;
}

export function getFunctions(emu: Emulator): FunctionsRuntime {
  const rt = runtimes.get(emu);
  if (!rt) throw new Error('functions are not installed on this emulator: call installFunctions(emu) first');
  return rt;
}

/** Run a function as the platform would (for timers, pay notifications...): resolves with its return value. */
export function invoke(emu: Emulator, name: string, event: unknown, opts: InvokeOptions = {}): Promise<unknown> {
  return getFunctions(emu).invoke(name, event, opts);
}

export function invokeDetailed(emu: Emulator, name: string, event: unknown, opts: InvokeOptions = {}): Promise<InvocationOutcome> {
  return getFunctions(emu).invokeDetailed(name, event, opts);
}

/** The invocation running on a worker now (undefined for requests without a worker path). */
export function currentInvocation(emu: Emulator, workerId: string | undefined): InvocationContext | undefined {
  return runtimes.get(emu)?.current(workerId);
}
