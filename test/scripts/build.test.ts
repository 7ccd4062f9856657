/**
 * scripts/build.mjs swaps each function's artifact in with renames: while a
 * build runs, whoever reads build/ (an emulator cold-starting a worker, a
 * second test run) always finds every function whole.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { withBuildLock } from '../support/build-lock';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'build', 'cloudfunctions');
const NAMES = ['applyReturn', 'uploadEvidence', 'submitLogistics', 'reviewReturn', 'executeRefund', 'refundCallback', 'sweepTimeouts', 'queryReturns', 'afterSaleEvents'];
const FILES = ['index.js', 'index.js.map', 'package.json', 'config.json'];

describe('npm run build', () => {
  it(
    'never leaves a function missing or half-written while it rebuilds, and leaves no staging folders',
    () =>
      // bundle.test.ts's over-budget build (in the other jest worker) must not run meanwhile: its staging folders are not this build's
      withBuildLock(async () => {
        const missing: string[] = [];
        let looks = 0;
        const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'ignore' });
        const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
        let exited = false;
        void done.then(() => (exited = true));
        while (!exited) {
          looks += 1;
          for (const name of NAMES) for (const f of FILES) if (!existsSync(path.join(OUT, name, f))) missing.push(`${name}/${f}`);
          await new Promise((r) => setImmediate(r));
        }
        expect(await done).toBe(0);
        expect(looks).toBeGreaterThan(10);
        expect(missing).toEqual([]);
        expect(readdirSync(OUT).sort()).toEqual([...NAMES].sort());
        for (const name of NAMES) {
          const pkg = JSON.parse(readFileSync(path.join(OUT, name, 'package.json'), 'utf8'));
          // everything is bundled (wx-server-sdk included): nothing to install in the cloud
          expect(pkg).toMatchObject({ name, main: 'index.js' });
          expect(pkg.dependencies ?? {}).toEqual({});
        }
      }),
    60_000,
  );
});
