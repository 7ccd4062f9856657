/**
 * The local CloudBase emulator's core: HTTP server on 127.0.0.1, the `/admin`
 * wire the real wx-server-sdk talks to, the document store (+ transactions),
 * cloud storage, persistence, stats and the `/_local/*` routes. The other
 * parts (functions runner, timers, openapi, pay sandbox) are installed on the
 * returned Emulator with registerAction / registerRoute.
 *
 *   const emu = await createEmulatorCore({ port: 0, dataDir: '.data', functionsDir: 'build' });
 *   Object.assign(process.env, sdkEnv(emu));        // or a worker's env: sdkEnv(emu, 'w1')
 *   const cloud = require('wx-server-sdk'); cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
 */
import path from 'node:path';
import { VirtualClock } from './clock';
import { adminHandler, ADMIN_BODY_LIMIT, newRequestId } from './admin/endpoint';
import { databaseActions } from './db/actions';
import { createEmulatorDb } from './db/emulator-db';
import { DocStore } from './db/store';
import { TransactionManager } from './db/transactions';
import { localRoutes } from './http/local-routes';
import { Router, type Method } from './http/router';
import { startHttpServer, type HttpServer } from './http/server';
import { registerScrubRoot } from './http/scrub';
import { DbPersistence, type LoadReport } from './persist/log';
import { createStats, type EmulatorStats } from './stats';
import { FileStore } from './storage/files';
import { storageWiring } from './storage/actions';
import type { ActionHandler, Emulator, RouteHandler } from './types';

export interface CoreOptions {
  /** 0 = a free port */
  port?: number;
  host?: '127.0.0.1';
  /** persistent data lives in <dataDir>/db and <dataDir>/storage */
  dataDir: string;
  /** built function bundles (used by the functions runner, not by the core) */
  functionsDir: string;
  /** start empty (deletes <dataDir>/db and <dataDir>/storage) */
  reset?: boolean;
  /** default true; false keeps everything in memory */
  persist?: boolean;
  /** CloudBase env id the emulator answers as (default 'local-env') */
  envId?: string;
  /** TENCENTCLOUD_REGION given to SDK processes (default 'ap-shanghai') */
  region?: string;
  /** invocations kept by the stats (default 5000) */
  statsKeep?: number;
  /** compact the db log when it exceeds max(this, snapshot size); default 8 MB */
  compactBytes?: number;
  /** diagnostics (default: console.warn) */
  log?: (msg: string) => void;
  clock?: VirtualClock;
}

/** The core's Emulator, plus internals for tests, benchmarks and tooling. */
export interface EmulatorCore extends Emulator {
  stats: EmulatorStats;
  store: DocStore;
  files: FileStore;
  transactions: TransactionManager;
  region: string;
  /** what was replayed from disk at start (undefined when not persisting) */
  loadReport?: LoadReport;
  /** force a snapshot + fresh log now */
  compact(): void;
}

export async function createEmulatorCore(opts: CoreOptions): Promise<EmulatorCore> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new Error('the emulator only listens on 127.0.0.1');
  const dataDir = path.resolve(opts.dataDir);
  const functionsDir = path.resolve(opts.functionsDir);
  const persist = opts.persist !== false;
  const envId = opts.envId ?? 'local-env';
  if (!/^[a-z0-9_-]{1,40}$/.test(envId)) throw new Error(`envId must match [a-z0-9_-]{1,40}: ${envId}`);
  const region = opts.region ?? 'ap-shanghai';
  const say = opts.log ?? ((m: string) => console.warn(m));
  registerScrubRoot(dataDir, '<data>');
  registerScrubRoot(functionsDir, '<functions>');
  const clock = opts.clock ?? new VirtualClock();
  const now = () => clock.now();

  // ----- store + persistence -----
  const store = new DocStore();
  store.envId = envId;
  let persistence: DbPersistence | undefined;
  let loadReport: LoadReport | undefined;
  if (persist) {
    persistence = new DbPersistence(dataDir, { minCompactBytes: opts.compactBytes, log: (m) => say(`[emulator/db] ${m}`) });
    if (opts.reset) persistence.wipe();
    loadReport = persistence.load(store);
    store.journal = (ops) => persistence!.append(ops, store);
  }
  const transactions = new TransactionManager(store);
  // the clock offset lives with the database: a restart keeps stored deadlines where they were
  let stopClockPersist: (() => void) | undefined;
  if (persistence) {
    const saved = persistence.loadClockOffset();
    if (saved !== undefined) clock.restore(saved);
    persistence.saveClockOffset(clock.offset());
    stopClockPersist = clock.onChange(() => persistence!.saveClockOffset(clock.offset()));
  }

  let url = '';
  const baseUrl = () => url;
  const files = new FileStore({ dir: persist ? path.join(dataDir, 'storage') : undefined, envId, baseUrl, now });
  if (persist && opts.reset) files.wipe();
  files.load();

  const stats = createStats({ keep: opts.statsKeep, now });

  // ----- actions + routes -----
  const actions = new Map<string, ActionHandler>();
  const router = new Router();
  for (const [name, h] of Object.entries(databaseActions({ store, txns: transactions, now, requestId: newRequestId }))) actions.set(name, h);
  const storage = storageWiring(files, baseUrl, newRequestId);
  for (const [name, h] of Object.entries(storage.actions)) actions.set(name, h);
  for (const r of storage.routes) router.add(r.method, r.pattern, r.handler, { bodyLimit: r.bodyLimit });
  for (const r of localRoutes({ store, files, clock, stats, envId })) router.add(r.method, r.pattern, r.handler, { bodyLimit: r.bodyLimit });
  const admin = adminHandler({
    actions,
    stats,
    onError: (e, req) => say(`[emulator/admin] ${req.action} failed: ${(e as Error)?.stack ?? e}`),
  });
  router.add('POST', '/admin', admin, { bodyLimit: ADMIN_BODY_LIMIT });
  router.add('POST', '/admin/w/:workerId', admin, { bodyLimit: ADMIN_BODY_LIMIT });

  let server: HttpServer;
  try {
    server = await startHttpServer(router, {
      host,
      port: opts.port ?? 0,
      onError: (e, req) => say(`[emulator/http] ${req.method} ${req.url} failed: ${(e as Error)?.stack ?? e}`),
    });
  } catch (e) {
    persistence?.close(undefined);
    throw e;
  }
  url = `http://${host}:${server.port}`;

  const closers: (() => Promise<void> | void)[] = [];
  let closing: Promise<void> | undefined;

  const emu: EmulatorCore = {
    url,
    port: server.port,
    clock,
    db: createEmulatorDb(store, now),
    storage: files,
    stats,
    functionsDir,
    dataDir,
    envId,
    region,
    store,
    files,
    transactions,
    loadReport,
    registerAction(action: string, handler: ActionHandler) {
      actions.set(action, handler);
    },
    registerRoute(method: Method, pattern: string, handler: RouteHandler) {
      router.add(method, pattern, handler);
    },
    onClose(fn) {
      closers.push(fn);
    },
    compact() {
      persistence?.compact(store);
    },
    close() {
      closing ??= (async () => {
        for (const fn of [...closers].reverse()) {
          try {
            await fn();
          } catch (e) {
            say(`[emulator] onClose handler failed: ${(e as Error)?.message ?? e}`);
          }
        }
        await server.close();
        stopClockPersist?.();
        persistence?.close(store);
        store.journal = undefined;
      })();
      return closing;
    },
  };
  return emu;
}

/**
 * Environment a process needs so the unmodified wx-server-sdk talks to the
 * emulator (and never to a cloud host): every request goes to
 * `<url>/admin` (or `<url>/admin/w/<workerId>`). The per-invocation identity
 * (WX_CONTEXT_KEYS, WX_OPENID, WX_APPID, TCB_SOURCE...) is not included: the
 * functions runner sets it.
 */
export function sdkEnv(emu: Pick<Emulator, 'url' | 'envId'> & { region?: string }, workerId?: string): Record<string, string> {
  const adminPath = workerId ? `/admin/w/${encodeURIComponent(workerId)}` : '/admin';
  return {
    // node-sdk sends every request to TCB_CONTEXT_CNFG.URL (tcbapiendpoint.buildUrl)
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${emu.url}${adminPath}` }),
    // without a secret pair node-sdk rejects (unhandled) before sending anything
    TENCENTCLOUD_SECRETID: 'AKIDlocalcloudbaseemulator',
    TENCENTCLOUD_SECRETKEY: 'local-cloudbase-emulator-secret-key',
    // "in SCF": no metadata-host probe (http://metadata.tencentyun.com) to tell the platform
    TENCENTCLOUD_RUNENV: 'SCF',
    // checked (and logged when missing) in SCF mode
    TENCENTCLOUD_REGION: emu.region ?? 'ap-shanghai',
    SCF_NAMESPACE: emu.envId,
    // what cloud.DYNAMIC_CURRENT_ENV resolves to
    TCB_ENV: emu.envId,
  };
}
