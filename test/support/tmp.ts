/**
 * Temporary files and folders of a test file: all in one folder, made on first
 * use and removed after the file's tests (the helper registers the afterAll
 * hook when a test file imports it), so that no run leaves anything in the
 * system's temporary folder. The hook is declared when the file imports this
 * module, before the file's own hooks, so it runs before the file's own
 * afterAll: what is still in use then (an emulator closed in afterAll writes
 * its last snapshot) needs a folder of its own (emulator/core/helpers.ts
 * startCore, test/support/emulator.ts do so).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let root: string | undefined;
let made = 0;

function next(name: string): string {
  root ??= mkdtempSync(path.join(os.tmpdir(), 'aftersales-test-tmp-'));
  return path.join(root, `${++made}-${name}`);
}

/** A path for a new file named `name` (nothing is written). */
export function tmpFile(name: string): string {
  return next(name);
}

/** A new empty folder. */
export function tmpDir(prefix = 'dir'): string {
  const dir = next(prefix);
  mkdirSync(dir);
  return dir;
}

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});
