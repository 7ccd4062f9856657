/**
 * Test harness for the functions: the whole local emulator in-process (port 0,
 * a fresh temp data folder), running the BUILT bundles from build/cloudfunctions
 * with the real wx-server-sdk in worker processes. Tests talk to it over its
 * client-facing HTTP routes, as a mini-program or an outside check would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmulator, type LocalEmulator } from '../../scripts/emulator';
import { demoSeed, DEMO_CARRIER_ACCOUNTS } from '../../scripts/emulator/demo';
import { C, INDEXES } from '../../cloudfunctions/core/data/collections';

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
  db<T = any>(collection: string): Promise<T[]>;
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

async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

/**
 * `autoTimers` (default false): timer triggers fire only when a test fires them
 * (h.trigger), never behind its back when it moves the clock.
 */
export async function startEmulator(opts: { seedDemo?: boolean; autoTimers?: boolean } = {}): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aftersales-test-'));
  const emu = await createEmulator({
    port: 0,
    dataDir,
    functionsDir: path.join(ROOT, 'build', 'cloudfunctions'),
    reset: true,
    timers: { tickMs: 3_600_000, auto: opts.autoTimers === true },
  });
  for (const name of Object.values(C)) await emu.db.createCollection(name);
  for (const [coll, list] of Object.entries(INDEXES)) for (const ix of list) await emu.db.ensureIndex(coll, Object.keys(ix.keys), { unique: !!ix.unique });
  const url = emu.url;
  const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body ?? {}) });
  const h: Harness = {
    emu,
    url,
    async callRaw(name, event, o = {}) {
      const headers: Record<string, string> = {};
      if (o.openid) headers['x-wx-openid'] = o.openid;
      if (o.source) headers['x-wx-source'] = o.source;
      const res = await post(`/functions/${name}`, event, headers);
      return { status: res.status, body: await json(res) };
    },
    async call(name, event, o = {}) {
      const { status, body } = await h.callRaw(name, event, o);
      if (status !== 200) throw new Error(`${name} HTTP ${status}: ${JSON.stringify(body)}`);
      return body;
    },
    async seed(data) {
      const res = await post('/_local/seed', data);
      if (res.status !== 200) throw new Error(`seed HTTP ${res.status}: ${await res.text()}`);
    },
    async db(collection) {
      return (await json(await fetch(`${url}/_local/db/${collection}`))).data;
    },
    async upload(cloudPath, content, contentType) {
      const res = await post('/_local/storage', { cloudPath, contentBase64: content.toString('base64'), contentType });
      return (await json(res)).fileID;
    },
    async advance(ms) {
      return (await json(await post('/_local/clock', { advanceMs: ms }))).now;
    },
    async now() {
      return (await json(await fetch(`${url}/_local/clock`))).nowMs;
    },
    async pay(script) {
      return json(await post('/_local/pay', script));
    },
    async flush() {
      return (await json(await post('/_local/pay/flush', {}))).data;
    },
    async trigger(name) {
      return json(await post(`/_local/triggers/${name}`, {}));
    },
    async outbox() {
      return (await json(await fetch(`${url}/_local/outbox`))).data;
    },
    async stats() {
      return json(await fetch(`${url}/_local/stats`));
    },
    async resetStats() {
      await post('/_local/stats/reset', {});
    },
    async close() {
      await emu.close();
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
export function rid(prefix = 'req'): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}-${seq}`.slice(0, 64);
}
