/**
 * No machine paths in any answer: every JSON answer of the emulator's HTTP
 * server goes through `scrubPaths`, which rewrites the absolute folders this
 * machine is known by (data folder, functions folder, project, cwd, temp,
 * home) to short placeholders. The platform never shows a caller its disks.
 */
import os from 'node:os';
import path from 'node:path';

const roots = new Map<string, string>();

function add(dir: string | undefined, placeholder: string): void {
  if (!dir || dir === '/' || dir.length < 2) return;
  const abs = path.resolve(dir);
  if (!roots.has(abs)) roots.set(abs, placeholder);
}

/** Folders every emulator scrubs (the project, cwd, temp, home). */
const PROJECT = path.resolve(__dirname, '../../..');
add(PROJECT, '<project>');
add(process.cwd(), '<project>');
add(os.tmpdir(), '<tmp>');
add(os.homedir(), '~');

/** Registers a folder an emulator uses (its data and functions folders). */
export function registerScrubRoot(dir: string, placeholder: string): void {
  add(dir, placeholder);
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces every known absolute folder in `text` (longest first), only where
 * it starts a path: `uploads/tmp/a.png` keeps its `/tmp`.
 */
export function scrubPaths(text: string): string {
  if (!text.includes('/') && !text.includes('\\')) return text;
  let out = text;
  const list = [...roots.entries()].sort((a, b) => b[0].length - a[0].length);
  for (const [abs, placeholder] of list) {
    for (const form of new Set([abs, JSON.stringify(abs).slice(1, -1)])) {
      if (!out.includes(form)) continue;
      const re = new RegExp(`(?<![\\w.~/\\-])${escapeRe(form)}(?=[/\\\\"'\\s),:;]|$)`, 'g');
      out = out.replace(re, placeholder);
    }
  }
  return out;
}
