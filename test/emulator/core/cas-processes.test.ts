/**
 * Compare-and-set across processes: 4 separate Node processes, each running the
 * real wx-server-sdk with 5 concurrent `where({_id, version: 0}).update(...)`
 * on the same document → exactly one of the 20 gets updated: 1.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sdkEnv, type EmulatorCore } from '../../../scripts/emulator/core';
import { REPO_ROOT, startCore } from './helpers';

const run = promisify(execFile);
jest.setTimeout(60_000);

let emu: EmulatorCore;
beforeAll(async () => {
  emu = await startCore();
});
afterAll(async () => {
  await emu.close();
});

test('20 CAS attempts from 4 processes on one document: exactly one wins', async () => {
  await emu.db.insert('cas', [{ _id: 'doc', version: 0, owner: null }]);
  const worker = path.join(__dirname, 'fixtures', 'cas-worker.cjs');
  const outs = await Promise.all(
    ['p1', 'p2', 'p3', 'p4'].map((name) =>
      run(process.execPath, [worker, 'cas', 'doc', name, '5'], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...sdkEnv(emu, `cas-${name}`), SILENCE: 'true' },
      }),
    ),
  );
  const results: { owner: string; updated: number }[] = outs.flatMap((o) => JSON.parse(o.stdout.trim()));
  expect(results).toHaveLength(20);
  const winners = results.filter((r) => r.updated === 1);
  expect(winners).toHaveLength(1);
  expect(results.filter((r) => r.updated === 0)).toHaveLength(19);
  const [doc] = await emu.db.find('cas', { _id: 'doc' });
  expect(doc).toEqual({ _id: 'doc', version: 1, owner: winners[0].owner });
  // each process talked on its own worker path: all 20 requests arrived there
  const unattributed = emu.stats.summary().unattributed;
  const total = ['p1', 'p2', 'p3', 'p4'].reduce((n, p) => n + (unattributed[`cas-${p}`]?.['database.modifyDocument'] ?? 0), 0);
  expect(total).toBe(20);
});
