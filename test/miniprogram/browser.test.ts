/**
 * The browser of the style tests and screenshots (scripts/miniprogram/browser.ts)
 * comes from npm alone: the packaged headless Chromium renders the page HTML
 * with Noto Sans SC from @fontsource/noto-sans-sc, and nothing the page asks
 * for leaves the machine.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { fontsLoaded, launchChromium, serveFonts } from '../../scripts/miniprogram/browser';
import { FONT_FAMILY, FONT_ORIGIN, FONT_WEIGHTS, pageHtml } from '../../scripts/miniprogram/render-html';

const MP_ROOT = path.resolve(__dirname, '..', '..', 'miniprogram', 'aftersale');
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe('packaged Chromium + bundled CJK font', () => {
  it('links every weight the WXSS uses and renders Chinese in Noto Sans SC (status 600, navigation bar 500), fonts served from node_modules', async () => {
    const tree = { tagName: 'main', attrs: [], children: [{ tagName: 'wx-view', attrs: [{ name: 'class', value: 'status-label' }], children: ['退款成功 ¥84.00'] }] };
    const html = pageHtml({ tree, mpRoot: MP_ROOT, page: 'return-detail' });
    for (const w of FONT_WEIGHTS) expect(html).toContain(`${FONT_ORIGIN}/@fontsource/noto-sans-sc/${w}.css`);
    const ctx = await browser.newContext({ viewport: { width: 375, height: 667 } });
    await serveFonts(ctx);
    const served: string[] = [];
    ctx.on('requestfinished', (r) => served.push(r.url()));
    const tab = await ctx.newPage();
    await tab.setContent(html, { waitUntil: 'load' });
    await fontsLoaded(tab);
    const seen = (await tab.evaluate(`(() => {
      const el = document.querySelector('.status-label');
      const loaded = [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family.replace(/"/g, '') + ' ' + f.weight);
      return { family: getComputedStyle(el).fontFamily, check: document.fonts.check('600 22px "${FONT_FAMILY}"', '退款成功'), loaded };
    })()`)) as { family: string; check: boolean; loaded: string[] };
    await ctx.close();
    expect(seen.family.startsWith(`"${FONT_FAMILY}"`)).toBe(true);
    expect(seen.check).toBe(true);
    expect(seen.loaded).toEqual(expect.arrayContaining([`${FONT_FAMILY} 500`, `${FONT_FAMILY} 600`]));
    expect(served.some((u) => u.startsWith(`${FONT_ORIGIN}/@fontsource/noto-sans-sc/files/`) && u.endsWith('.woff2'))).toBe(true);
  }, 60_000);

  it('refuses every other request (nothing leaves the machine)', async () => {
    const ctx = await browser.newContext();
    await serveFonts(ctx);
    const failed: string[] = [];
    ctx.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    const tab = await ctx.newPage();
    await tab.setContent('<img src="https://example.com/a.png"><link rel="stylesheet" href="https://mp-assets.invalid/elsewhere.css">', { waitUntil: 'load' });
    await ctx.close();
    expect(failed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^https:\/\/example\.com\/a\.png net::ERR_BLOCKED_BY_CLIENT/),
        expect.stringMatching(/^https:\/\/mp-assets\.invalid\/elsewhere\.css net::ERR_BLOCKED_BY_CLIENT/),
      ]),
    );
  }, 60_000);
});
