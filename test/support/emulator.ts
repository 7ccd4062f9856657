/**
 * Test harness for the functions: the whole local emulator in-process (port 0,
 * in memory: nothing persisted), running the BUILT bundles from build/cloudfunctions
 * with the real wx-server-sdk in worker processes. Tests talk to it over its
 * client-facing HTTP routes, as a mini-program or an outside check would
 * (node:http on keep-alive connections: the test side costs little next to the
 * functions); only the reads of the database, the openapi outbox and the clock
 * (h.db, h.outbox, h.now), which tests make after nearly every call, take the
 * answer of those routes (GET /_local/db/<collection>, /_local/outbox,
 * /_local/clock) in-process: the same documents, as the same JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { LocalEmulator } from '../../scripts/emulator';
import { C, INDEXES } from '../../cloudfunctions/core/data/collections';

/**
 * The emulator's code, loaded once per jest worker by Node's own require (./host-emulator.cjs) rather than once
 * per test file by jest's: under jest, `node:module` is a subclass of Node's whose createRequire is jest's, so
 * Node's is its parent class's (outside jest, e.g. the page tests' emulator child, it is Node's own).
 */
const parentModule = Object.getPrototypeOf(Module) as typeof Module | undefined;
const hostRequire = (typeof parentModule?.createRequire === 'function' ? parentModule : Module).createRequire(__filename);
const host = hostRequire('./host-emulator.cjs') as {
  nextEnvId: () => string;
  emulator: typeof import('../../scripts/emulator');
  bank: import('../../scripts/emulator/functions/pool').ProcessBank;
  ejson: typeof import('../../scripts/emulator/db/ejson');
  scrub: typeof import('../../scripts/emulator/http/scrub');
  demo: typeof import('../../scripts/emulator/demo');
};
const { createEmulator } = host.emulator;
const { plainJsonText } = host.ejson;
const { scrubPaths } = host.scrub;
const { demoSeed, DEMO_CARRIER_ACCOUNTS } = host.demo;

export { DEMO, DEMO_RETURN_ADDRESS } from '../../scripts/emulator/demo';
import { syntheticJpeg } from '../../scripts/emulator/openapi/media';

const ROOT = path.resolve(__dirname, '..', '..');

export interface CallOptions {
  openid?: string;
  source?: string;
}

export interface Harness {
  emu: LocalEmulator;
  url: string;
  /** POST /functions/<name>: the function's return value (throws on HTTP 500 with the errCode). */
  call<T = any>(name: string, event: Record<string, unknown>, opts?: CallOptions): Promise<T>;
  /** Raw HTTP answer of POST /functions/<name>. */
  callRaw(name: string, event: unknown, opts?: CallOptions): Promise<{ status: number; body: any }>;
  seed(data: Record<string, unknown[]>): Promise<void>;
  /**
   * The collection's documents as a client reads them (EJSON made plain, machine paths scrubbed); with `where`,
   * only the stored documents it accepts are read out (a test's own order among many), without the database's
   * query planner (nothing is recorded in /_local/stats).
   */
  db<T = any>(collection: string, where?: (stored: Record<string, any>) => boolean): Promise<T[]>;
  /** The store's write sequence now (see writtenSince). */
  writeSeq(): number;
  /** `collection/id` of every document changed since write sequence `seq` (writeSeq()), oldest first. */
  writtenSince(seq: number): string[];
  upload(cloudPath: string, content: Buffer, contentType?: string): Promise<string>;
  advance(ms: number): Promise<string>;
  now(): Promise<number>;
  pay(script: Record<string, unknown>): Promise<any>;
  flush(): Promise<any[]>;
  trigger(name: string): Promise<any>;
  outbox(): Promise<any[]>;
  stats(): Promise<any>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

function parse(text: string): any {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

interface Answer {
  status: number;
  text: string;
}

/** One HTTP request to the emulator on `agent`'s keep-alive connections. */
function request(agent: http.Agent, url: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const u = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body ?? {}));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        hostname: u.hostname,
        port: u.port,
        path: p,
        method,
        headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * The function processes: no global cap below what the functions can use at once (3 warm processes for each of
 * them), so that one function's cold start never stops another's warm process, only to start it again a moment
 * later (the default cap of 6 suits a developer's machine running the emulator by hand, not 9 functions' tests);
 * the bundles compiled with a V8 code cache shared by the test files (pool.ts codeCacheDir), and the processes an
 * emulator leaves idle kept for the next test file of this jest worker as warm instances (pool.ts ProcessBank
 * keepModules: each emulator is a CloudBase environment of its own, envId below, and the functions keep what
 * they cache per environment, core/runtime/instance-cache.ts).
 */
const FUNCTIONS = { perFunction: 3, globalCap: 32, codeCacheDir: path.join(os.tmpdir(), 'aftersales-test-v8-cache'), bank: host.bank };

/** What a GET route answering `{ data }` sends, as the client parses it: JSON, machine paths scrubbed (http/server.ts sendJson). */
const asSent = (data: unknown): any => JSON.parse(scrubPaths(JSON.stringify(data)));

/**
 * `autoTimers` (default false): timer triggers fire only when a test fires them
 * (h.trigger), never behind its back when it moves the clock. `functionEnv`:
 * environment variables of every function, as set in the console. `coldStarts`:
 * every function instance is a new process loading its bundle (no warm instance
 * from the last test file, none left for the next), for tests of what a cold
 * start reaches.
 */
export async function startEmulator(opts: { seedDemo?: boolean; autoTimers?: boolean; functionEnv?: Record<string, string>; coldStarts?: boolean } = {}): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aftersales-test-'));
  const emu = await createEmulator({
    port: 0,
    // a CloudBase environment of its own (a warm instance of the last file's emulator serves this one)
    envId: host.nextEnvId(),
    dataDir,
    functionsDir: path.join(ROOT, 'build', 'cloudfunctions'),
    reset: true,
    // in memory: no test here reads the data folder, and the journal, clock and storage writes cost every call
    persist: false,
    timers: { tickMs: 3_600_000, auto: opts.autoTimers === true },
    functions: { ...FUNCTIONS, workerEnv: opts.functionEnv, ...(opts.coldStarts ? { bank: undefined } : {}) },
  });
  for (const name of Object.values(C)) await emu.db.createCollection(name);
  for (const [coll, list] of Object.entries(INDEXES)) for (const ix of list) await emu.db.ensureIndex(coll, Object.keys(ix.keys), { unique: !!ix.unique });
  const url = emu.url;
  // no cap on sockets, as fetch had none: a test's 50 simultaneous calls all reach the emulator at once
  const agent = new http.Agent({ keepAlive: true });
  const post = (p: string, body: unknown, headers: Record<string, string> = {}) => request(agent, url, 'POST', p, body ?? {}, headers);
  const get = (p: string) => request(agent, url, 'GET', p);
  const h: Harness = {
    emu,
    url,
    async callRaw(name, event, o = {}) {
      const headers: Record<string, string> = {};
      if (o.openid) headers['x-wx-openid'] = o.openid;
      if (o.source) headers['x-wx-source'] = o.source;
      const res = await post(`/functions/${name}`, event, headers);
      return { status: res.status, body: parse(res.text) };
    },
    async call(name, event, o = {}) {
      const { status, body } = await h.callRaw(name, event, o);
      if (status !== 200) throw new Error(`${name} HTTP ${status}: ${JSON.stringify(body)}`);
      return body;
    },
    async seed(data) {
      const res = await post('/_local/seed', data);
      if (res.status !== 200) throw new Error(`seed HTTP ${res.status}: ${res.text}`);
    },
    async db(collection, where) {
      // GET /_local/db/<collection> (http/local-routes.ts dumpCollection), without the round trip
      await Promise.resolve();
      if (!emu.store.hasCollection(collection)) return [];
      const docs = emu.store.find(collection, undefined);
      return JSON.parse(scrubPaths(plainJsonText(where ? docs.filter(where) : docs)));
    },
    writeSeq: () => emu.store.writeSeq(),
    writtenSince: (seq) => emu.store.writtenSince(seq),
    async upload(cloudPath, content, contentType) {
      const res = await post('/_local/storage', { cloudPath, contentBase64: content.toString('base64'), contentType });
      return parse(res.text).fileID;
    },
    async advance(ms) {
      return parse((await post('/_local/clock', { advanceMs: ms })).text).now;
    },
    async now() {
      // GET /_local/clock's nowMs
      await Promise.resolve();
      return emu.clock.now();
    },
    async pay(script) {
      return parse((await post('/_local/pay', script)).text);
    },
    async flush() {
      return parse((await post('/_local/pay/flush', {})).text).data;
    },
    async trigger(name) {
      return parse((await post(`/_local/triggers/${name}`, {})).text);
    },
    async outbox() {
      // GET /_local/outbox, without the round trip
      await Promise.resolve();
      return asSent(emu.openapi.outbox());
    },
    async stats() {
      return parse((await get('/_local/stats')).text);
    },
    async resetStats() {
      await post('/_local/stats/reset', {});
    },
    async close() {
      await emu.close();
      agent.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (opts.seedDemo !== false) {
    await h.seed(demoSeed(emu.clock.now()) as Record<string, unknown[]>);
    emu.openapi.setAccounts(DEMO_CARRIER_ACCOUNTS); // bound in 物流助手, as the demo settings say
  }
  return h;
}

/**
 * A small JPEG for evidence uploads: a valid header (SOI, APP0, SOF0 of
 * `width` × `height`, within security.imgSecCheck's 750 × 1334 px) padded to
 * `bytes`, so the emulator's content check can read its size as WeChat would.
 */
export function jpeg(bytes = 2048, width = 640, height = 480): Buffer {
  return syntheticJpeg(width, height, bytes);
}

export function mp4(bytes = 4096): Buffer {
  const b = Buffer.alloc(bytes, 0x22);
  b.writeUInt32BE(24, 0);
  b.write('ftypisom', 4, 'ascii');
  return b;
}

let seq = 0;
/** A fresh requestId. */
/** A courier pickup the buyer books: tomorrow 10:00–12:00 Shanghai from `nowMs` (the emulator clock), in Beijing. */
export function pickupTomorrow(nowMs: number, extra: Record<string, unknown> = {}) {
  const day = 86_400_000;
  const hour = 3_600_000;
  const start = Math.floor(nowMs / day) * day + day + 2 * hour;
  return {
    name: '张三',
    phone: '13912345678',
    address: '北京市朝阳区示例街道 1 号院 2 单元 301',
    slotStart: new Date(start).toISOString(),
    slotEnd: new Date(start + 2 * hour).toISOString(),
    ...extra,
  };
}

export function rid(prefix = 'req'): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}-${seq}`.slice(0, 64);
}
