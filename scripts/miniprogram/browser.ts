/**
 * The browser of the screenshots and the page style tests, from the npm
 * registry alone: @sparticuz/chromium ships a headless Chromium inside the
 * package (brotli-compressed), @fontsource/noto-sans-sc the CJK font. No
 * system browser and no system fonts are used, so a page renders the same on
 * every machine.
 *
 * The binary, its software GL (swiftshader) and a fontconfig that sees only
 * the package's own fallback font are unpacked once into
 * node_modules/.cache/mp-chromium-<version>/ (atomically: a folder is renamed
 * into place, so concurrent first runs never see half a binary). The page's
 * font stylesheets are served from node_modules through request interception
 * under FONT_ORIGIN (a reserved .invalid host); every other request is
 * refused, so a rendered page never reaches the network.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { FONT_ORIGIN } from './render-html';

const ROOT = path.resolve(__dirname, '..', '..');
const PKG = path.join(ROOT, 'node_modules', '@sparticuz', 'chromium');
const FONTS_PKG = path.join(ROOT, 'node_modules', '@fontsource', 'noto-sans-sc');

function missing(what: string): Error {
  return new Error(`${what} is missing: run \`npm install\` (it is a devDependency of this project) / 缺少 ${what}，请先运行 npm install`);
}

/** Unpacks the packaged Chromium once; returns the folder holding `chromium` and `fonts.conf`. */
export function chromiumDir(): string {
  if (!existsSync(path.join(PKG, 'package.json'))) throw missing('@sparticuz/chromium');
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`@sparticuz/chromium's npm package ships a Linux x64 binary only (this is ${process.platform} ${process.arch}) / 页面截图与样式测试需在 Linux x64 上运行`);
  }
  const { version } = JSON.parse(readFileSync(path.join(PKG, 'package.json'), 'utf8')) as { version: string };
  const dir = path.join(ROOT, 'node_modules', '.cache', `mp-chromium-${version}`);
  if (existsSync(path.join(dir, 'chromium'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(path.join(tmp, 'fonts-cache'), { recursive: true });
  const bin = path.join(PKG, 'bin');
  writeFileSync(path.join(tmp, 'chromium'), brotliDecompressSync(readFileSync(path.join(bin, 'chromium.br'))), { mode: 0o755 });
  for (const archive of ['swiftshader.tar.br', 'fonts.tar.br']) {
    const tar = spawnSync('tar', ['-x', '-C', tmp], { input: brotliDecompressSync(readFileSync(path.join(bin, archive))) });
    if (tar.status !== 0) throw new Error(`unpacking ${archive} failed: ${tar.stderr}`);
  }
  // The package's fonts.conf names Lambda's folders: this one names only the unpacked fallback font.
  writeFileSync(
    path.join(tmp, 'fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${path.join(dir, 'fonts')}</dir>\n  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
  );
  try {
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(path.join(dir, 'chromium'))) throw err;
    // another process unpacked it first
  }
  return dir;
}

/** Launches the packaged headless Chromium with its own fontconfig (no system fonts). */
export async function launchChromium(): Promise<Browser> {
  const dir = chromiumDir();
  return chromium.launch({
    executablePath: path.join(dir, 'chromium'),
    args: ['--no-sandbox', '--no-zygote', '--disable-gpu', '--use-angle=swiftshader', '--disable-background-networking', '--no-first-run', '--font-render-hinting=none'],
    env: { ...process.env, FONTCONFIG_FILE: path.join(dir, 'fonts.conf'), FONTCONFIG_PATH: dir, HOME: process.env.HOME ?? dir },
  });
}

const TYPES: Record<string, string> = { '.css': 'text/css', '.woff2': 'font/woff2', '.woff': 'font/woff' };

/**
 * Answers FONT_ORIGIN/@fontsource/noto-sans-sc/* from node_modules and
 * refuses every other request that is not a data: URL.
 */
export async function serveFonts(ctx: BrowserContext): Promise<void> {
  if (!existsSync(path.join(FONTS_PKG, 'package.json'))) throw missing('@fontsource/noto-sans-sc');
  const prefix = `${FONT_ORIGIN}/@fontsource/noto-sans-sc/`;
  await ctx.route('**/*', async (route) => {
    const url = route.request().url();
    if (!url.startsWith(prefix)) return route.abort('blockedbyclient');
    const file = path.resolve(FONTS_PKG, decodeURIComponent(url.slice(prefix.length).split(/[?#]/)[0]));
    if (!file.startsWith(FONTS_PKG + path.sep) || !existsSync(file)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({
      status: 200,
      body: readFileSync(file),
      headers: { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'access-control-allow-origin': '*' },
    });
  });
}

/** After setContent: wait until every web font the layout asked for has loaded. */
export async function fontsLoaded(tab: { evaluate(expr: string): Promise<unknown> }): Promise<void> {
  await tab.evaluate('document.fonts.ready.then(() => document.fonts.status)');
}
