/**
 * npm run lint (biome.json + lint/no-as-any.grit) catches what review found:
 * floating promises, unused code, `as any` without a reason, import cycles.
 * The project's own configuration is copied beside small files that break
 * (or keep) each rule, and Biome is run on them once.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '..', '..');
const BIOME = path.join(ROOT, 'node_modules', '.bin', 'biome');

const FILES: Record<string, string> = {
  'floating.ts': 'async function save(): Promise<number> {\n  return 1;\n}\nexport function onTap(): void {\n  save();\n}\n',
  'handled.ts':
    'async function save(): Promise<number> {\n  return 1;\n}\nexport async function onTap(): Promise<void> {\n  await save();\n  void save();\n  save().catch(() => undefined);\n}\n',
  'misused.ts': 'export function f(p: Promise<number>): number {\n  if (p) return 1;\n  return 0;\n}\n',
  'as-any.ts': "export const x = JSON.parse('1') as any;\n",
  'as-any-reason.ts': "// biome-ignore lint/plugin/no-as-any: the SDK's typings omit this field\nexport const x = JSON.parse('1') as any;\n",
  'as-any-empty-reason.ts': "// biome-ignore lint/plugin/no-as-any:\nexport const x = JSON.parse('1') as any;\n",
  'cycle-a.ts': "import { b } from './cycle-b';\nexport const a = (): number => b() + 1;\n",
  'cycle-b.ts': "import { a } from './cycle-a';\nexport const b = (): number => (a.length ? 1 : 0);\n",
  'unused.ts': "import { readFileSync } from 'node:fs';\nexport function f(used: number, unused: number): number {\n  const left = 2;\n  return used;\n}\n",
  'clean.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
};

let dir: string;
let out: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lint-rules-'));
  const config = JSON.parse(readFileSync(path.join(ROOT, 'biome.json'), 'utf8'));
  delete config.$schema;
  writeFileSync(path.join(dir, 'biome.json'), JSON.stringify(config));
  mkdirSync(path.join(dir, 'lint'));
  cpSync(path.join(ROOT, 'lint', 'no-as-any.grit'), path.join(dir, 'lint', 'no-as-any.grit'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(path.join(dir, name), text);
  const res = await promisify(execFile)(BIOME, ['lint', '--max-diagnostics=none', '--colors=off', '.'], { cwd: dir }).then(
    (r) => r.stdout + r.stderr,
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
  );
  out = res;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The diagnostic categories Biome reported for one file. */
function found(file: string): string[] {
  const re = new RegExp(`^${file.replace('.', '\\.')}:\\d+:\\d+ (\\S+)`, 'gm');
  return [...out.matchAll(re)].map((m) => m[1]).sort();
}

describe('npm run lint rules', () => {
  it('a promise neither awaited, returned, voided nor caught is an error; a promise as a condition too', () => {
    expect(found('floating.ts')).toEqual(['lint/nursery/noFloatingPromises']);
    expect(found('handled.ts')).toEqual([]);
    expect(found('misused.ts')).toEqual(['lint/nursery/noMisusedPromises']);
  });

  it('`as any` needs a biome-ignore with a reason', () => {
    expect(found('as-any.ts')).toEqual(['plugin']);
    expect(out).toContain('请写明使用 as any 的理由');
    expect(found('as-any-reason.ts')).toEqual([]);
    expect(found('as-any-empty-reason.ts')).toEqual(['plugin', 'suppressions/parse']);
  });

  it('an import cycle is an error on both sides', () => {
    expect(found('cycle-a.ts')).toEqual(['lint/suspicious/noImportCycles']);
    expect(found('cycle-b.ts')).toEqual(['lint/suspicious/noImportCycles']);
  });

  it('unused imports, parameters and variables are errors; clean code passes', () => {
    expect(found('unused.ts')).toEqual(['lint/correctness/noUnusedFunctionParameters', 'lint/correctness/noUnusedImports', 'lint/correctness/noUnusedVariables']);
    expect(found('clean.ts')).toEqual([]);
  });
});
