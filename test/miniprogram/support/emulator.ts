/**
 * Page tests reach the real functions through the local emulator: the same
 * harness as the function tests (test/support/emulator.ts: built bundles, real
 * wx-server-sdk in function processes, demo shop), in this jest worker. Its
 * code is loaded by Node's own require outside the jsdom environment (the
 * emulator's modules resolve as on Node, not with the browser conditions jsdom
 * would pick), and the function processes a previous test file of this worker
 * left idle are reused (each loads its bundle afresh). The pages talk to it as
 * a mini-program does, over its HTTP routes (the wx shim's wx.cloud); this is
 * the tests' own client: functions, seed, db, storage, clock, pay.
 */
import { startEmulator } from '../../support/emulator';

export interface PageEmulator {
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

export async function startPageEmulator(): Promise<PageEmulator> {
  const h = await startEmulator();
  return {
    url: h.url,
    call: (name, event, openid) => h.call(name, event, openid ? { openid } : {}),
    db: (collection) => h.db(collection),
    seed: (data) => h.seed(data),
    upload: (cloudPath, content) => h.upload(cloudPath, content),
    async advance(ms) {
      await h.advance(ms);
    },
    now: () => h.now(),
    flush: () => h.flush(),
    pay: (script) => h.pay(script),
    close: () => h.close(),
  };
}
