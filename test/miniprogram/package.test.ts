/**
 * The mini-program package: every page of app.json exists (ts, wxml, wxss,
 * json) and uses Component(); app.ts initialises Cloud Development; the
 * project config points at it; the official WXML/WXSS compilers (wcc, wcsc)
 * compile every file; the pages type-check (tsc + miniprogram-api-typings,
 * `npm run typecheck:mp`); the contract bundle is up to date with
 * cloudfunctions/core (`npm run build:mp`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const MP = path.join(ROOT, 'miniprogram');
const appJson = JSON.parse(readFileSync(path.join(MP, 'app.json'), 'utf8'));
/** Main-package pages and the subpackage's, as paths from the mini-program root. */
const allPages: string[] = [...appJson.pages, ...appJson.subPackages.flatMap((sp: { root: string; pages: string[] }) => sp.pages.map((p) => `${sp.root}/${p}`))];

describe('mini-program package', () => {
  it('project.config.json: miniprogram root, cloud functions root, the TypeScript compiler plugin', () => {
    const cfg = JSON.parse(readFileSync(path.join(ROOT, 'project.config.json'), 'utf8'));
    expect(cfg.miniprogramRoot).toBe('miniprogram/');
    expect(cfg.cloudfunctionRoot).toBe('build/cloudfunctions/');
    expect(cfg.setting.useCompilerPlugins).toEqual(['typescript']);
  });

  it('project.config.json: no request-domain check in the devtools, so local mode reaches http://127.0.0.1:3000', () => {
    const cfg = JSON.parse(readFileSync(path.join(ROOT, 'project.config.json'), 'utf8'));
    expect(cfg.setting.urlCheck).toBe(false);
    expect(readFileSync(path.join(MP, 'aftersale', 'config.ts'), 'utf8')).toMatch(/baseUrl: 'http:\/\/127\.0\.0\.1:3000'/);
  });

  it('app.json: the after-sales subpackage (its fragment is aftersale/subpackage.json) and the main page; every page has its four files and is written with Component()', () => {
    expect(appJson.style).toBe('v2');
    const fragment = JSON.parse(readFileSync(path.join(MP, 'aftersale', 'subpackage.json'), 'utf8'));
    expect(appJson.subPackages).toEqual(fragment.subPackages);
    const [pkg] = fragment.subPackages;
    expect(pkg.root).toBe('aftersale');
    expect(pkg.pages).toEqual(
      expect.arrayContaining([
        'pages/order-detail/index',
        'pages/apply/index',
        'pages/return-detail/index',
        'pages/logistics/index',
        'pages/my-returns/index',
        'pages/staff-queue/index',
        'pages/staff-review/index',
      ]),
    );
    for (const page of allPages) {
      for (const ext of ['ts', 'wxml', 'wxss', 'json']) expect(existsSync(path.join(MP, `${page}.${ext}`))).toBe(true);
      const src = readFileSync(path.join(MP, `${page}.ts`), 'utf8');
      expect(src).toMatch(/\bComponent\(\{/);
      expect(src).not.toMatch(/\bPage\(\{/);
      expect(JSON.parse(readFileSync(path.join(MP, `${page}.json`), 'utf8')).navigationBarTitleText).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(existsSync(path.join(MP, appJson.sitemapLocation))).toBe(true);
    // The package initialises Cloud Development itself (a host app may or may not).
    expect(readFileSync(path.join(MP, 'aftersale', 'utils', 'api.ts'), 'utf8')).toMatch(/wx\.cloud\.init\(/);
  });

  it('the package never links outside itself by an absolute page path (it must work wherever it is mounted)', () => {
    for (const page of (appJson.subPackages[0].pages as string[]).map((p) => `aftersale/${p}`)) {
      expect(readFileSync(path.join(MP, `${page}.ts`), 'utf8')).not.toMatch(/url: [`']\/pages\//);
    }
  });

  it('the official compilers compile every WXML and WXSS file (a WXML lint)', () => {
    const compiler = require('miniprogram-compiler');
    const js = compiler.wxmlToJs(MP);
    // The compiled templates expect a browser-ish global: give them a window of their own.
    const gwx = new Function('window', js)({ __webview_engine_version__: 0.02 });
    for (const page of allPages) expect(typeof gwx(`${page}.wxml`)).toBe('function');
    expect(() => compiler.wxssToJs(MP)).not.toThrow();
  });

  it('the pages type-check (tsc with miniprogram-api-typings)', () => {
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    let out = '';
    try {
      out = execFileSync(tsc, ['-p', path.join(MP, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (e: any) {
      throw new Error(`tsc -p miniprogram/tsconfig.json failed:\n${e.stdout}${e.stderr}`);
    }
    expect(out).toBe('');
  }, 120_000);

  it('miniprogram/aftersale/shared/contract.js is up to date with cloudfunctions/core (npm run build:mp)', () => {
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'miniprogram', 'build-contract.mjs'), '--check'], { cwd: ROOT, stdio: 'pipe' });
    } catch (e: any) {
      throw new Error(`${e.stderr}`);
    }
  }, 60_000);
});
