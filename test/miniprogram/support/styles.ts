/**
 * What a page really looks like where WXSS specificity decides (colours,
 * line breaks): the page's rendered toJSON() tree becomes HTML as for the
 * screenshots (scripts/miniprogram/render-html.ts: app + page WXSS, rpx → px
 * at 375 px, fonts from @fontsource/noto-sans-sc) and is measured by
 * styles-child.ts in a child process, in the headless Chromium that
 * @sparticuz/chromium ships in the npm package (scripts/miniprogram/browser.ts).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pageHtml, type JsonNode } from '../../../scripts/miniprogram/render-html';
import { MP_ROOT, type Page } from './pages';

export interface Measured {
  /** Computed colour, e.g. 'rgb(250, 81, 81)'. */
  color: string;
  /** Lines the element's text takes. */
  lines: number;
  /** Content wider than the box (cut off). */
  overflows: boolean;
  text: string;
}

export const RED = 'rgb(250, 81, 81)';
export const ORANGE = 'rgb(250, 157, 59)';

/** Every element matching each selector on the page as chromium lays it out. */
export function measure(page: Page, pageName: string, selectors: string[]): Promise<Record<string, Measured[]>> {
  const html = pageHtml({ tree: page.json() as JsonNode, mpRoot: MP_ROOT, page: pageName });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'styles-child.ts')], { cwd: path.resolve(MP_ROOT, '..'), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`styles child exited with ${code}\n${err}`))));
    child.stdin.end(JSON.stringify({ html, selectors }));
  });
}
