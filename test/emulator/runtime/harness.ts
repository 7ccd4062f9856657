/**
 * Test harness for the emulator runtime parts: an emulator on 127.0.0.1:0 with
 * the functions runner (fixture bundles from build/test-functions), timers,
 * openapi and the pay sandbox installed, plus small HTTP helpers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Emulator } from '../../../scripts/emulator/types';
import { installFunctions, type FunctionsOptions, type FunctionsRuntime } from '../../../scripts/emulator/functions';
import { installTimers, type Timers } from '../../../scripts/emulator/timers';
import { installOpenApi, type OpenApiEmulator } from '../../../scripts/emulator/openapi';
import { installPay, type PayOptions, type PaySandbox } from '../../../scripts/emulator/pay';
import { createEmulatorCore } from '../../../scripts/emulator/core';

export const ROOT = path.resolve(__dirname, '../../..');
export const FIXTURES_SRC = path.join(ROOT, 'test/fixtures/cloudfunctions');
export const FIXTURES_OUT = path.join(ROOT, 'build/test-functions');

/** Builds the bundles when a fixture bundle is missing or older than its source (npm test builds first anyway). */
export function ensureFixturesBuilt(): void {
  const stale = readdirSync(FIXTURES_SRC).some((name) => {
    const src = path.join(FIXTURES_SRC, name, 'index.ts');
    const out = path.join(FIXTURES_OUT, name, 'index.js');
    return existsSync(src) && (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs);
  });
  if (stale) execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
}

export interface Harness {
  emu: Emulator;
  functions: FunctionsRuntime;
  timers?: Timers;
  openapi?: OpenApiEmulator;
  pay?: PaySandbox;
  dataDir: string;
  post(route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  get(route: string): Promise<{ status: number; json: any }>;
  call(name: string, event: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  functions?: FunctionsOptions;
  timers?: boolean;
  openapi?: boolean;
  pay?: boolean | PayOptions;
  dataDir?: string;
  functionsDir?: string;
  /** core persistence (default false: in memory) */
  persist?: boolean;
  /** the CloudBase environment the emulator answers as (default the core's 'local-env') */
  envId?: string;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  ensureFixturesBuilt();
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'emu-runtime-'));
  const emu: Emulator = await createEmulatorCore({
    port: 0,
    dataDir,
    functionsDir: opts.functionsDir ?? FIXTURES_OUT,
    persist: opts.persist ?? false,
    envId: opts.envId,
    log: () => undefined,
  });
  const functions = installFunctions(emu, opts.functions ?? {});
  const timers = opts.timers ? installTimers(emu, { tickMs: 60_000 }) : undefined;
  const openapi = opts.openapi ? installOpenApi(emu) : undefined;
  const pay = opts.pay ? installPay(emu, typeof opts.pay === 'object' ? opts.pay : {}) : undefined;

  const request = async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(emu.url + route, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  return {
    emu,
    functions,
    timers,
    openapi,
    pay,
    dataDir,
    post: (route, body, headers) => request('POST', route, body, headers),
    get: (route) => request('GET', route),
    call: (name, event, headers) => request('POST', `/functions/${name}`, event, headers),
    async close() {
      await emu.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
