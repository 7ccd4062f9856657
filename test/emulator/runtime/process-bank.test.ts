/**
 * ProcessBank (scripts/emulator/functions/pool.ts): the processes an emulator
 * leaves idle serve the next emulator of this process as new instances — its
 * environment, a fresh module instance, a cold start — loaded from the bundle
 * as it is on disk then (rebuilt or not).
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

async function emulator(): Promise<Harness> {
  const h = await startHarness({ functionsDir, functions: { perFunction: 3, globalCap: 6, bank } });
  open.push(h);
  return h;
}

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
    // a rebuild that changes what the function answers (its main wrapped), moved in as the build does
    const bundle = path.join(functionsDir, 'probe', 'index.js');
    const wrapped = `${readFileSync(bundle, 'utf8')}\n;module.exports = ((m) => ({ main: async (e) => ({ ...(await m.main(e)), rebuilt: true }) }))(module.exports);\n`;
    writeFileSync(`${bundle}.next`, wrapped);
    renameSync(`${bundle}.next`, bundle);
    const later = new Date(statSync(bundle).mtimeMs + 5_000);
    utimesSync(bundle, later, later);
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
