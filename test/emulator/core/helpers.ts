/** Shared helpers for the emulator core tests (not a test file). */
import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createEmulatorCore, sdkEnv, type CoreOptions, type EmulatorCore } from '../../../scripts/emulator/core';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

export { tmpDir } from '../../support/tmp';

/**
 * An emulator on a free port. Without `dataDir`, in a folder of its own that close() removes once the emulator has
 * written its last snapshot there (a file's emulator is often closed in its afterAll, which runs after tmp.ts's).
 */
export async function startCore(extra: Partial<CoreOptions> = {}): Promise<EmulatorCore> {
  const own = extra.dataDir === undefined ? mkdtempSync(path.join(os.tmpdir(), 'emu-core-')) : undefined;
  const dataDir = extra.dataDir ?? own!;
  const emu = await createEmulatorCore({
    port: 0,
    dataDir,
    functionsDir: extra.functionsDir ?? path.join(dataDir, 'no-functions'),
    log: () => {},
    ...extra,
  });
  if (own) {
    const close = emu.close.bind(emu);
    emu.close = async () => {
      try {
        await close();
      } finally {
        rmSync(own, { recursive: true, force: true });
      }
    };
  }
  return emu;
}

/** Points this (jest) process's wx-server-sdk at the emulator; returns the SDK and its db. */
export function useSdk(emu: EmulatorCore, workerId?: string): { cloud: any; db: any } {
  Object.assign(process.env, sdkEnv(emu, workerId), {
    WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID,WX_UNIONID',
    WX_OPENID: 'test-openid',
    WX_APPID: 'wx-test-app',
    WX_UNIONID: '',
    TCB_SOURCE: 'wx_client',
    SILENCE: 'true',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cloud = require('wx-server-sdk');
  cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });
  return { cloud, db: cloud.database() };
}

/** Records every outgoing TCP connection and DNS lookup made by this process. */
export function watchNetwork(): { hosts: string[]; lookups: string[]; restore(): void } {
  const hosts: string[] = [];
  const lookups: string[] = [];
  const origConnect = net.Socket.prototype.connect;
  const origLookup = dns.lookup;
  const origPromisesLookup = dns.promises.lookup;
  // biome-ignore lint/plugin/no-as-any: the network guard of these tests patches node:net and node:dns in place; their overloaded signatures cannot be assigned to
  (net.Socket.prototype as any).connect = function (this: net.Socket, ...args: any[]) {
    // net.connect() passes its normalized arguments as one array: [options, callback]
    const a = Array.isArray(args[0]) ? args[0][0] : args[0];
    let host: string | undefined;
    if (a && typeof a === 'object' && !Array.isArray(a)) host = a.path ? `unix:${a.path}` : String(a.host ?? 'localhost');
    else if (typeof a === 'number' || (typeof a === 'string' && /^\d+$/.test(a))) host = typeof args[1] === 'string' ? args[1] : 'localhost';
    else if (typeof a === 'string') host = `unix:${a}`;
    if (host) hosts.push(host);
    // biome-ignore lint/plugin/no-as-any: the network guard of these tests patches node:net and node:dns in place; their overloaded signatures cannot be assigned to
    return (origConnect as any).apply(this, args);
  };
  // biome-ignore lint/plugin/no-as-any: the network guard of these tests patches node:net and node:dns in place; their overloaded signatures cannot be assigned to
  (dns as any).lookup = function (hostname: string, ...rest: any[]) {
    lookups.push(hostname);
    // biome-ignore lint/plugin/no-as-any: the network guard of these tests patches node:net and node:dns in place; their overloaded signatures cannot be assigned to
    return (origLookup as any).call(dns, hostname, ...rest);
  };
  // biome-ignore lint/plugin/no-as-any: the network guard of these tests patches node:net and node:dns in place; their overloaded signatures cannot be assigned to
  (dns.promises as any).lookup = function (hostname: string, ...rest: any[]) {
    lookups.push(hostname);
    // biome-ignore lint/plugin/no-as-any: the network guard of these tests patches node:net and node:dns in place; their overloaded signatures cannot be assigned to
    return (origPromisesLookup as any).call(dns.promises, hostname, ...rest);
  };
  return {
    hosts,
    lookups,
    restore() {
      net.Socket.prototype.connect = origConnect;
      // biome-ignore lint/plugin/no-as-any: the network guard of these tests patches node:net and node:dns in place; their overloaded signatures cannot be assigned to
      (dns as any).lookup = origLookup;
      // biome-ignore lint/plugin/no-as-any: the network guard of these tests patches node:net and node:dns in place; their overloaded signatures cannot be assigned to
      (dns.promises as any).lookup = origPromisesLookup;
    },
  };
}

export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);

export async function http(
  emu: { url: string },
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
    if (!headers['content-type']) (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${emu.url}${urlPath}`, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Expects a wx-server-sdk call to reject; returns the error. */
export async function sdkError(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the SDK call to fail, it succeeded');
}
