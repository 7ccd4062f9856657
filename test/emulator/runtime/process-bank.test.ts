/**
 * ProcessBank (scripts/emulator/functions/pool.ts): the processes an emulator
 * leaves idle serve the next emulator of this process as new instances — its
 * environment, a fresh module instance, a cold start — loaded from the bundle
 * as it is on disk then (rebuilt or not); with `keepModules`, as warm
 * instances when nothing but the environment differs (the same bundle and
 * function configuration, a CloudBase environment the module never served).
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sdkEnv as coreSdkEnv } from '../../../scripts/emulator/core';
import type { FunctionsOptions } from '../../../scripts/emulator/functions';
import { ProcessBank } from '../../../scripts/emulator/functions/pool';
import { ensureFixturesBuilt, FIXTURES_OUT, startHarness, type Harness } from './harness';

const bank = new ProcessBank(3);
const open: Harness[] = [];
/** This file's own copy of the probe fixture: its bundle is rebuilt below, which no other test may see. */
let functionsDir = '';

beforeAll(() => {
  ensureFixturesBuilt();
  functionsDir = mkdtempSync(path.join(os.tmpdir(), 'bank-functions-'));
  cpSync(path.join(FIXTURES_OUT, 'probe'), path.join(functionsDir, 'probe'), { recursive: true });
});

async function emulator(opts: { bank?: ProcessBank; envId?: string; workerEnv?: Record<string, string>; sdkEnv?: FunctionsOptions['sdkEnv'] } = {}): Promise<Harness> {
  const h = await startHarness({
    functionsDir,
    envId: opts.envId,
    functions: { perFunction: 3, globalCap: 6, bank: opts.bank ?? bank, workerEnv: opts.workerEnv, sdkEnv: opts.sdkEnv },
  });
  open.push(h);
  return h;
}

/** The probe's bundle rebuilt as `change` makes it from the current one, moved in as the build does (a new file, a later mtime). */
function rebuildProbe(change: (text: string) => string = (text) => text): void {
  const bundle = path.join(functionsDir, 'probe', 'index.js');
  writeFileSync(`${bundle}.next`, change(readFileSync(bundle, 'utf8')));
  renameSync(`${bundle}.next`, bundle);
  const later = new Date(statSync(bundle).mtimeMs + 5_000);
  utimesSync(bundle, later, later);
}

/** A change to what the probe answers: its main wrapped, adding `rebuilt: true`. */
const answersRebuilt = (text: string) => `${text}\n;module.exports = ((m) => ({ main: async (e) => ({ ...(await m.main(e)), rebuilt: true }) }))(module.exports);\n`;

const lastProbe = (h: Harness) =>
  h.functions.pool
    .recentLogs()
    .filter((r) => r.function === 'probe')
    .at(-1);

afterAll(async () => {
  for (const h of open) await h.close().catch(() => undefined);
  bank.clear();
  rmSync(functionsDir, { recursive: true, force: true });
});

describe('function processes kept between emulators', () => {
  it("an idle process serves the next emulator as a new instance: that emulator's environment, nothing of the last instance", async () => {
    const a = await emulator();
    const first = await a.call('probe', { op: 'context' }, { 'x-wx-openid': 'oBank1' });
    const second = await a.call('probe', { op: 'context' }, { 'x-wx-openid': 'oBank1' });
    expect(second.json.pid).toBe(first.json.pid);
    expect(second.json.served).toBe(2);
    await a.close();
    expect(bank.size()).toBe(1);

    const b = await emulator();
    const again = await b.call('probe', { op: 'context' }, { 'x-wx-openid': 'oBank2' });
    expect(again.status).toBe(200);
    // the same process, no longer in the bank, running a new module instance for the new emulator
    expect(again.json.pid).toBe(first.json.pid);
    expect(bank.size()).toBe(0);
    expect(again.json.served).toBe(1);
    expect(again.json.ctx).toMatchObject({ OPENID: 'oBank2' });
    expect(again.json.env).toMatchObject({ TZ: 'UTC', PROBE_SETTING: 'from-config' });
    expect(b.functions.pool.recentLogs().find((r) => r.function === 'probe')).toMatchObject({ cold: true });
    await b.close();
  });

  it('a process whose bundle was rebuilt since is kept, and its next instance runs the rebuilt bundle', async () => {
    const a = await emulator();
    const first = await a.call('probe', { op: 'context' });
    expect(first.json.rebuilt).toBeUndefined();
    rebuildProbe(answersRebuilt);
    await a.close();
    expect(bank.size()).toBe(1);
    const b = await emulator();
    const next = await b.call('probe', { op: 'context' });
    expect(next.status).toBe(200);
    expect(next.json.pid).toBe(first.json.pid);
    expect(next.json).toMatchObject({ rebuilt: true, served: 1 });
    await b.close();
  });
});

describe('keepModules: warm instances carried to the next emulator', () => {
  const warm = new ProcessBank(3, { keepModules: true });
  afterAll(() => warm.clear());

  it('a process serves the next emulator, another environment, with the module it runs: no cold start, the new environment', async () => {
    const a = await emulator({ bank: warm, envId: 'env-keep-a' });
    const first = await a.call('probe', { op: 'context' }, { 'x-wx-openid': 'oKeep1' });
    expect(first.json).toMatchObject({ served: 1, tcbEnv: 'env-keep-a' });
    await a.close();
    const b = await emulator({ bank: warm, envId: 'env-keep-b' });
    const again = await b.call('probe', { op: 'context' }, { 'x-wx-openid': 'oKeep2' });
    expect(again.status).toBe(200);
    // the same module instance (its count goes on), in B's environment, with B's caller
    expect(again.json).toMatchObject({ pid: first.json.pid, served: 2, tcbEnv: 'env-keep-b' });
    expect(again.json.ctx).toMatchObject({ OPENID: 'oKeep2' });
    expect(again.json.env).toMatchObject({ TZ: 'UTC', PROBE_SETTING: 'from-config' });
    expect(lastProbe(b)).toMatchObject({ cold: false, pid: first.json.pid });
    // its database requests reach B (the SDK reads where to send them from the environment at every request)
    await b.emu.db.createCollection('keep_probe');
    const wrote = await b.call('probe', { op: 'db', steps: [{ kind: 'add', collection: 'keep_probe', data: { n: 1 } }] });
    expect(wrote.status).toBe(200);
    expect(await b.emu.db.find('keep_probe')).toEqual([expect.objectContaining({ n: 1 })]);
    await b.close();
  });

  it('never into an environment its module served before: that loads afresh', async () => {
    const a = await emulator({ bank: warm, envId: 'env-keep-c' });
    const first = await a.call('probe', { op: 'context' });
    await a.close();
    const b = await emulator({ bank: warm, envId: 'env-keep-d' });
    expect((await b.call('probe', { op: 'context' })).json).toMatchObject({ pid: first.json.pid, served: first.json.served + 1 });
    await b.close();
    const c = await emulator({ bank: warm, envId: 'env-keep-c' });
    const back = await c.call('probe', { op: 'context' });
    expect(back.json).toMatchObject({ pid: first.json.pid, served: 1, tcbEnv: 'env-keep-c' });
    expect(lastProbe(c)).toMatchObject({ cold: true });
    await c.close();
  });

  it('the environment is the one the module sees (TCB_ENV, SCF_NAMESPACE), not the emulator’s name for it', async () => {
    // two emulators that give their functions the same environment variables: the second is not a new environment
    const same: FunctionsOptions['sdkEnv'] = (e, w) => ({ ...coreSdkEnv(e, w), TCB_ENV: 'env-keep-shared', SCF_NAMESPACE: 'env-keep-shared' });
    const a = await emulator({ bank: warm, envId: 'env-keep-i', sdkEnv: same });
    const first = await a.call('probe', { op: 'context' });
    await a.close();
    const b = await emulator({ bank: warm, envId: 'env-keep-j', sdkEnv: same });
    const next = await b.call('probe', { op: 'context' });
    expect(next.json).toMatchObject({ pid: first.json.pid, served: 1, tcbEnv: 'env-keep-shared' });
    expect(lastProbe(b)).toMatchObject({ cold: true });
    await b.close();
  });

  it('another function configuration (environment variables) loads afresh', async () => {
    const a = await emulator({ bank: warm, envId: 'env-keep-e', workerEnv: { PROBE_NUMBER: '1' } });
    const first = await a.call('probe', { op: 'context' });
    expect(first.json.env).toMatchObject({ PROBE_NUMBER: '1' });
    await a.close();
    const b = await emulator({ bank: warm, envId: 'env-keep-f', workerEnv: { PROBE_NUMBER: '2' } });
    const next = await b.call('probe', { op: 'context' });
    expect(next.json).toMatchObject({ pid: first.json.pid, served: 1, env: { PROBE_NUMBER: '2' } });
    expect(lastProbe(b)).toMatchObject({ cold: true });
    await b.close();
  });

  it('a rebuild to the same bytes (a new file, a new mtime) is the same bundle: the module is kept', async () => {
    const a = await emulator({ bank: warm, envId: 'env-keep-k' });
    const first = await a.call('probe', { op: 'context' });
    rebuildProbe(); // the same bytes
    await a.close();
    const b = await emulator({ bank: warm, envId: 'env-keep-l' });
    const next = await b.call('probe', { op: 'context' });
    expect(next.json).toMatchObject({ pid: first.json.pid, served: first.json.served + 1 });
    expect(lastProbe(b)).toMatchObject({ cold: false });
    await b.close();
  });

  it('takes a process whose module can serve before one banked later that would load afresh', async () => {
    const own = new ProcessBank(3, { keepModules: true });
    try {
      const a = await emulator({ bank: own, envId: 'env-keep-m' });
      const fromA = await a.call('probe', { op: 'context' });
      const c = await emulator({ bank: own, envId: 'env-keep-n', workerEnv: { PROBE_NUMBER: '9' } });
      const fromC = await c.call('probe', { op: 'context' });
      expect(fromC.json.pid).not.toBe(fromA.json.pid);
      await a.close();
      await c.close(); // banked last, another configuration
      expect(own.size()).toBe(2);
      const b = await emulator({ bank: own, envId: 'env-keep-o' });
      const next = await b.call('probe', { op: 'context' });
      expect(next.json).toMatchObject({ pid: fromA.json.pid, served: 2 });
      expect(lastProbe(b)).toMatchObject({ cold: false });
      await b.close();
    } finally {
      own.clear();
    }
  });

  it('a rebuilt bundle loads afresh', async () => {
    const a = await emulator({ bank: warm, envId: 'env-keep-g' });
    const first = await a.call('probe', { op: 'context' });
    rebuildProbe(answersRebuilt);
    await a.close();
    const b = await emulator({ bank: warm, envId: 'env-keep-h' });
    const next = await b.call('probe', { op: 'context' });
    expect(next.json).toMatchObject({ pid: first.json.pid, served: 1, rebuilt: true });
    expect(lastProbe(b)).toMatchObject({ cold: true });
    await b.close();
  });
});
