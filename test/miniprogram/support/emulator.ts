/**
 * Page tests reach the real functions through the local emulator running in a
 * child process (see emulator-child.ts); this is its client: the emulator's
 * HTTP routes (functions, seed, db, storage, clock, pay) over node:http.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { httpJson } from '../../../scripts/miniprogram/wx-shim';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ChildEmulator {
  url: string;
  call<T = any>(name: string, event: Record<string, unknown>, openid?: string): Promise<T>;
  db<T = any>(collection: string): Promise<T[]>;
  seed(data: Record<string, unknown[]>): Promise<void>;
  upload(cloudPath: string, content: Buffer): Promise<string>;
  advance(ms: number): Promise<void>;
  now(): Promise<number>;
  flush(): Promise<any[]>;
  pay(script: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

export async function startChildEmulator(timeoutMs = 60_000): Promise<ChildEmulator> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'emulator-child.ts')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'test' },
  });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr = (stderr + c.toString()).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`emulator child not ready after ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    child.stdout!.on('data', (c) => {
      out += c.toString();
      const m = /READY (\{.*\})\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1]).url);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator child exited with ${code}\n${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  const j = (method: string, p: string, body?: unknown, headers?: Record<string, string>) => httpJson(url, method, p, body, headers);
  return {
    url,
    async call(name, event, openid) {
      const res = await j('POST', `/functions/${name}`, event, openid ? { 'x-wx-openid': openid } : {});
      if (res.status !== 200) throw new Error(`${name} HTTP ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async db(collection) {
      return (await j('GET', `/_local/db/${collection}`)).body.data;
    },
    async seed(data) {
      const res = await j('POST', '/_local/seed', data);
      if (res.status !== 200) throw new Error(`seed HTTP ${res.status}`);
    },
    async upload(cloudPath, content) {
      return (await j('POST', '/_local/storage', { cloudPath, contentBase64: content.toString('base64') })).body.fileID;
    },
    async advance(ms) {
      await j('POST', '/_local/clock', { advanceMs: ms });
    },
    async now() {
      return (await j('GET', '/_local/clock')).body.nowMs;
    },
    async flush() {
      return (await j('POST', '/_local/pay/flush', {})).body.data;
    },
    async pay(script) {
      return (await j('POST', '/_local/pay', script)).body;
    },
    close() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.stdin!.end();
      });
    },
  };
}
