/**
 * The offline packaging check (`npm run compile:mp`): miniprogram-ci's node
 * API compiles the package as WeChat devtools would, with nothing sent to
 * WeChat (the loopback-only guard refuses what miniprogram-ci still tries).
 * Run in a child process so that the guard stays out of jest. A broken copy
 * of a package (a page file missing, the TypeScript plugin missing) fails.
 * The three packages are compiled by one child, one after the other.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CompileReport } from '../../scripts/miniprogram/compile';

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

type Report = CompileReport;

/** Compiles the packages one after the other in one child process (miniprogram-ci starts once): their reports, in order. */
async function compileAll(projects: string[]): Promise<Report[]> {
  const res = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/miniprogram/compile.ts'), ...projects.flatMap((p) => ['--project', p]), '--json'], {
    cwd: ROOT,
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, NODE_OPTIONS: '' },
  }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }));
  const reports = res.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Report];
      } catch {
        return [];
      }
    });
  if (reports.length !== projects.length) throw new Error(`${reports.length} of ${projects.length} reports from compile.ts:\n${res.stdout}\n${res.stderr}`);
  return reports;
}

/**
 * The failure cases break a copy of a two-page package with the product's settings
 * (test/fixtures/miniprogram-small: a main page and a subpackage page, TypeScript
 * through the same compiler plugin): the check under test is the same, and two
 * pages compile in a fraction of the product's eight.
 */
const SMALL = path.join(ROOT, 'test', 'fixtures', 'miniprogram-small');

/** A copy of the small package (project.config.json + miniprogram/), with node_modules linked. */
function copyProject(change: (dir: string) => void): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mp-copy-'));
  cpSync(path.join(SMALL, 'miniprogram'), path.join(dir, 'miniprogram'), { recursive: true });
  cpSync(path.join(SMALL, 'project.config.json'), path.join(dir, 'project.config.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  change(dir);
  return dir;
}

describe('offline compile with miniprogram-ci', () => {
  const made: string[] = [];
  const copy = (change: (dir: string) => void) => {
    const dir = copyProject(change);
    made.push(dir);
    return dir;
  };
  // The three compiles run in one child process, started before the first test; each test awaits its report.
  let reports: Promise<Report[]> | undefined;
  const all = () =>
    (reports ??= compileAll([
      ROOT,
      copy((d) => unlinkSync(path.join(d, 'miniprogram/sub/pages/logistics/index.wxml'))),
      copy((d) => {
        const file = path.join(d, 'project.config.json');
        const cfg = JSON.parse(readFileSync(file, 'utf8'));
        delete cfg.setting.useCompilerPlugins;
        writeFileSync(file, JSON.stringify(cfg));
      }),
    ]));
  const whole = async () => (await all())[0];
  const pageMissing = async () => (await all())[1];
  const noPlugin = async () => (await all())[2];
  beforeAll(() => {
    void all().catch(() => undefined);
  });
  afterAll(async () => {
    await all().catch(() => undefined);
    for (const d of made) rmSync(d, { recursive: true, force: true });
  }, 180_000);

  it('compiles every page of app.json (TypeScript through the compiler plugin) under the main-package limit, offline', async () => {
    const report = await whole();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.pages).toHaveLength(8);
    expect(report.files).toBeGreaterThanOrEqual(8 * 4 + 3);
    expect(report.bytes).toBeGreaterThan(0);
    expect(report.bytes).toBeLessThan(2 * 1024 * 1024);
    // Whatever it tried to reach, it reached nothing but loopback.
    for (const host of report.refusedHosts) expect(host).not.toMatch(/^(127\.|localhost|::1)/);
  }, 180_000);

  it("the small package of the failure cases has the product's compile settings", () => {
    const settings = (dir: string) => {
      const { setting, compileType, libVersion, miniprogramRoot } = JSON.parse(readFileSync(path.join(dir, 'project.config.json'), 'utf8'));
      return { setting, compileType, libVersion, miniprogramRoot };
    };
    expect(settings(SMALL)).toEqual(settings(ROOT));
    expect(readFileSync(path.join(SMALL, 'miniprogram', 'tsconfig.json'), 'utf8')).toBe(readFileSync(path.join(ROOT, 'miniprogram', 'tsconfig.json'), 'utf8'));
  });

  it('a page file missing from the package → fails, naming the file', async () => {
    const report = await pageMissing();
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toContain('pages/logistics/index.wxml');
  }, 180_000);

  it('without useCompilerPlugins ["typescript"] → fails: the .ts pages are not compiled', async () => {
    const report = await noPlugin();
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/useCompilerPlugins/);
    expect(report.problems.join('\n')).toMatch(/pages\/[a-z-]+\/index\.js/);
  }, 180_000);
});
