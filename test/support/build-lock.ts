/**
 * The tests that run scripts/build.mjs themselves take this lock around it:
 * test/scripts/build.test.ts rebuilds while it watches build/, and
 * test/scripts/bundle.test.ts runs a build over the size budget and checks that
 * build/ is left as it was (no new artifact, no staging folder). Jest may run the
 * two files at the same moment in its two workers, and each would then see the
 * other's build. A lock folder in the temp folder, one per checkout.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive } from '../../scripts/emulator/persist/log';

const ROOT = path.resolve(__dirname, '..', '..');
const LOCK = path.join(os.tmpdir(), `aftersales-build-lock-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`);

/** Runs `fn` while no other test of this checkout runs a build. */
export async function withBuildLock<T>(fn: () => Promise<T> | T): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // a holder that died (a test run killed) leaves the lock behind: take it over
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8'));
      } catch {
        /* being taken right now: its pid is not written yet */
      }
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
