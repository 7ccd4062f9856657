/**
 * Measures a rendered page in the packaged headless Chromium
 * (scripts/miniprogram/browser.ts: @sparticuz/chromium, fonts from
 * @fontsource/noto-sans-sc; run with `node --import tsx`;
 * playwright-core cannot load inside jest's jsdom environment, whose CSS
 * cascade also ignores specificity). Reads `{ html, selectors }` as JSON on
 * stdin, prints `{ "<selector>": [{ color, lines, overflows, text }] }`:
 * per element matching the selector, its computed colour, how many lines
 * its text takes, and whether its content is wider than its box.
 */
import { fontsLoaded, launchChromium, serveFonts } from '../../../scripts/miniprogram/browser';

/** Runs in the page; a string, so tsx's helpers (__name) never reach it. */
const IN_PAGE = `(selectors) => {
  const measure = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    return { color: getComputedStyle(el).color, lines: tops.size, overflows: el.scrollWidth > el.clientWidth + 1, text: (el.textContent || '').trim() };
  };
  return Object.fromEntries(selectors.map((s) => [s, Array.from(document.querySelectorAll(s)).map(measure)]));
}`;

async function main() {
  let raw = '';
  for await (const chunk of process.stdin) raw += chunk;
  const { html, selectors } = JSON.parse(raw) as { html: string; selectors: string[] };
  const browser = await launchChromium();
  try {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2 });
    await serveFonts(ctx);
    const tab = await ctx.newPage();
    await tab.setContent(html, { waitUntil: 'load' });
    await fontsLoaded(tab);
    const out = await tab.evaluate(`(${IN_PAGE})(${JSON.stringify(selectors)})`);
    process.stdout.write(JSON.stringify(out));
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  process.stderr.write(`styles child failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
