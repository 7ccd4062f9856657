/**
 * npm run compile:mp — the offline packaging check of the mini-program:
 * miniprogram-ci's node API compiles the package as WeChat devtools would
 * (TypeScript through useCompilerPlugins, WXML, WXSS, JSON) with a throwaway
 * key and `touristappid`, and the result is checked: every page of app.json
 * has its .js/.json/.wxml/.wxss, app.js/app.json/sitemap.json are there, the
 * main package stays under its size limit.
 *
 * Offline: the project attributes are given locally (`attr`, no signature
 * request), and the loopback-only guard (net-guard.cjs, also in forked
 * children) refuses the one call miniprogram-ci still tries — its extension
 * whitelist from servicewechat.com — so that it uses its built-in list.
 *
 * Usage: npm run compile:mp [-- --project DIR ...] [-- --json]
 */
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

const GUARD = path.join(__dirname, 'net-guard.cjs');
/** Main package limit (MaxCodeSize of the default project attributes: 2 MB). */
export const MAX_MAIN_PACKAGE_BYTES = 2 * 1024 * 1024;

export interface CompileReport {
  ok: boolean;
  problems: string[];
  files: number;
  bytes: number;
  pages: string[];
  refusedHosts: string[];
  ms: number;
}

function projectConfig(root: string): { miniprogramRoot?: string; setting?: { useCompilerPlugins?: string[] } } {
  return JSON.parse(readFileSync(path.join(root, 'project.config.json'), 'utf8'));
}

/** `args` without tsx's loader (`--import tsx`, `--import=tsx`, `--require tsx/cjs`...). */
function withoutTsx(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if ((flag === '--import' || flag === '--require' || flag === '-r' || flag === '--loader') && /^tsx(\/|$)/.test(args[i + 1] ?? '')) i++;
    else if (!/^--(import|require|loader)=tsx(\/|$)/.test(flag)) out.push(flag);
  }
  return out;
}

/** Compile `root` (a folder with project.config.json) and check the result. */
/**
 * The guard's list of refused connections, one per process: miniprogram-ci keeps its compiler processes between
 * compiles (they got the variable when forked), and each compile reads what was added to it meanwhile.
 */
let guardLog: string | undefined;
function refusedLog(): string {
  if (!guardLog) {
    guardLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'mp-guard-')), 'refused.log');
    writeFileSync(guardLog, '');
    const dir = path.dirname(guardLog);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return guardLog;
}

export async function compileMiniprogram(root: string): Promise<CompileReport> {
  const started = Date.now();
  const work = mkdtempSync(path.join(os.tmpdir(), 'mp-compile-'));
  const log = refusedLog();
  const logFrom = readFileSync(log, 'utf8').length;
  process.env.NET_GUARD_LOG = log;
  if (!(process.env.NODE_OPTIONS ?? '').includes(GUARD)) {
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(GUARD)}`.trim();
  }
  createRequire(__filename)(GUARD);

  const problems: string[] = [];
  const keyPath = path.join(work, 'private.key');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs1', format: 'pem' }));

  const ci = createRequire(__filename)('miniprogram-ci');
  const config = projectConfig(root);
  if (!config.setting?.useCompilerPlugins?.includes('typescript')) problems.push('project.config.json: setting.useCompilerPlugins 缺少 "typescript"，.ts 页面不会被编译');
  const mpRoot = path.join(root, config.miniprogramRoot ?? '');
  const appJson = JSON.parse(readFileSync(path.join(mpRoot, 'app.json'), 'utf8')) as {
    pages: string[];
    subPackages?: { root: string; pages: string[] }[];
    sitemapLocation?: string;
  };
  const subRoots = (appJson.subPackages ?? []).map((sp) => sp.root.replace(/\/+$/, ''));
  const allPages = [...appJson.pages, ...(appJson.subPackages ?? []).flatMap((sp) => sp.pages.map((p) => `${sp.root.replace(/\/+$/, '')}/${p}`))];

  // miniprogram-ci forks its compiler process with this process's execArgv: the compiler is plain JavaScript and
  // needs no tsx loader (`--import tsx`, with which `npm run compile:mp` and the test start this script), which
  // would only hook every one of its module loads.
  process.execArgv = withoutTsx(process.execArgv);

  let result: Record<string, unknown> = {};
  // miniprogram-ci leaves cache folders in the working directory: work in the temp folder.
  const cwd = process.cwd();
  process.chdir(work);
  try {
    const project = new ci.Project({
      appid: 'touristappid',
      type: 'miniProgram',
      projectPath: root,
      privateKeyPath: keyPath,
      attr: async () => ({ ...ci.DefaultProjectAttr }),
      ignores: ['node_modules/**/*', 'build/**/*', 'test/**/*', 'scripts/**/*', 'docs/**/*', 'bench/**/*', '.data/**/*', 'cloudfunctions/**/*'],
    });
    result =
      (await ci.getCompiledResult(
        { project, desc: 'offline packaging check', setting: { useProjectConfig: true }, onProgressUpdate: () => undefined },
        path.join(work, 'compiled.zip'),
      )) ?? {};
  } catch (err) {
    problems.push(`编译失败：${String((err as Error)?.message ?? err).split('\n')[0]}`);
  } finally {
    process.chdir(cwd);
  }

  const names = Object.keys(result).map((n) => n.replace(/^\.\//, ''));
  const have = new Set(names);
  const sizeOf = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : 0);
  const bytes = Object.values(result).reduce<number>((s, v) => s + sizeOf(v), 0);
  // The 2 MB limit holds for the main package and for each subpackage.
  const packageOf = (name: string) => subRoots.find((r) => name.startsWith(`${r}/`)) ?? '';
  const perPackage = new Map<string, number>();
  for (const [n, v] of Object.entries(result)) {
    const key = packageOf(n.replace(/^\.\//, ''));
    perPackage.set(key, (perPackage.get(key) ?? 0) + sizeOf(v));
  }
  if (names.length) {
    for (const f of ['app.js', 'app.json', appJson.sitemapLocation ?? 'sitemap.json']) if (!have.has(f)) problems.push(`缺少 ${f}`);
    for (const page of allPages) {
      for (const ext of ['.js', '.json', '.wxml', '.wxss']) if (!have.has(page + ext)) problems.push(`页面 ${page} 缺少编译产物 ${page}${ext}`);
    }
    for (const [pkg, size] of perPackage) if (size > MAX_MAIN_PACKAGE_BYTES) problems.push(`${pkg ? `分包 ${pkg}` : '主包'} ${size} 字节，超过 ${MAX_MAIN_PACKAGE_BYTES} 字节上限`);
  }
  const refusedHosts = existsSync(log)
    ? [
        ...new Set(
          readFileSync(log, 'utf8')
            .slice(logFrom)
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split(' ')[1]),
        ),
      ]
    : [];
  rmSync(work, { recursive: true, force: true });
  return { ok: problems.length === 0, problems, files: names.length, bytes, pages: allPages, refusedHosts, ms: Date.now() - started };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  // --project may be given more than once: the packages are compiled one after the other in this process (miniprogram-ci
  // starts once), and each gets its report (with --json, one line each, in the order given).
  const projects = args.flatMap((a, i) => (a === '--project' ? [path.resolve(args[i + 1])] : []));
  if (!projects.length) projects.push(path.join(__dirname, '..', '..'));
  (async () => {
    let failed = false;
    for (const root of projects) {
      const report = await compileMiniprogram(root);
      failed ||= !report.ok;
      if (args.includes('--json')) process.stdout.write(JSON.stringify(report) + '\n');
      else {
        if (projects.length > 1) console.log(root);
        console.log(`${report.ok ? 'ok' : 'FAILED'}: ${report.files} files, ${(report.bytes / 1024).toFixed(1)} KiB, ${report.pages.length} pages, ${report.ms} ms`);
        for (const p of report.problems) console.log(`  - ${p}`);
        if (report.refusedHosts.length) console.log(`  (offline: refused ${report.refusedHosts.join(', ')})`);
      }
    }
    process.exit(failed ? 1 : 0);
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
