/**
 * HTML of a rendered page: the miniprogram-simulate toJSON() tree turned into
 * plain elements, with the app's and the page's WXSS (rpx → px at a 375 px
 * wide screen), base styles for the built-in tags, and a WeChat status bar +
 * navigation bar on top. cloud:// and local images become placeholders.
 * Text is set in Noto Sans SC from @fontsource/noto-sans-sc, linked under
 * FONT_ORIGIN (browser.ts serves it from node_modules), first in every
 * font-family list: no system font decides how a page looks.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export interface JsonNode {
  tagName: string;
  attrs: { name: string; value: unknown }[];
  children: (JsonNode | string)[];
}

/** Where the page links its fonts from; answered by browser.ts `serveFonts` (a reserved .invalid host: never the network). */
export const FONT_ORIGIN = 'https://mp-assets.invalid';
/** The bundled family, put first in every font-family list of the WXSS. */
export const FONT_FAMILY = 'Noto Sans SC';
/** Weights the WXSS uses: 400 text, 500 titles and buttons, 600 amounts and statuses, 700 bold. */
export const FONT_WEIGHTS = [400, 500, 600, 700] as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** rpx → px for a 375 px wide screen (750 rpx). */
export function rpxToPx(css: string): string {
  return css.replace(/(-?\d*\.?\d+)rpx/g, (_m, n) => `${+(Number(n) / 2).toFixed(2)}px`);
}

/** Puts the bundled family first in every font-family declaration. */
export function withBundledFont(css: string): string {
  return css.replace(/font-family\s*:\s*/g, `font-family: "${FONT_FAMILY}", `);
}

/** WXSS → CSS: rpx, the `page` selector, env() insets. */
export function wxssToCss(wxss: string): string {
  return rpxToPx(wxss)
    .replace(/(^|[\s,}])page(\s*[{,])/g, '$1.wx-page$2')
    .replace(/(^|[\s,}+>~])picker(?=[\s.{,:+>~])/g, '$1.wx-picker')
    .replace(/env\(safe-area-inset-bottom\)/g, '0px');
}

const PLACEHOLDER =
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120"><rect width="120" height="120" fill="#dedede"/><path d="M28 84l20-24 14 16 10-12 20 20z" fill="#b0b0b0"/><circle cx="80" cy="42" r="9" fill="#b0b0b0"/></svg>',
  );

function attr(n: JsonNode, name: string): string | undefined {
  const a = n.attrs?.find((x) => x.name === name);
  return a === undefined ? undefined : a.value === undefined || a.value === null ? '' : String(a.value);
}

function render(node: JsonNode | string): string {
  if (typeof node === 'string') return esc(node);
  const tag = node.tagName;
  if (attr(node, 'hidden') !== undefined && attr(node, 'hidden') !== 'false') return '';
  const cls = attr(node, 'class') ?? '';
  const style = attr(node, 'style') ?? '';
  const kids = (node.children ?? []).map(render).join('');
  const base = tag.replace(/^wx-/, '');
  const common = (extra = '') => ` class="wx-${base} ${esc(cls)} ${extra}"${style ? ` style="${esc(rpxToPx(style))}"` : ''}`;
  switch (tag) {
    case 'main':
      return `<div class="wx-root">${kids}</div>`;
    case 'wx-text':
      return `<span${common()}>${kids}</span>`;
    case 'wx-image': {
      const src = attr(node, 'src') ?? '';
      const real = /^https?:\/\//.test(src) && !/127\.0\.0\.1|localhost/.test(src) ? src : PLACEHOLDER;
      return `<img${common()} src="${esc(real)}" alt="">`;
    }
    case 'wx-button': {
      const disabled = attr(node, 'disabled');
      return `<button${common(disabled && disabled !== 'false' ? 'wx-button-disabled' : '')}>${kids}</button>`;
    }
    case 'wx-input': {
      const value = attr(node, 'value') ?? '';
      const ph = attr(node, 'placeholder') ?? '';
      return `<div${common()}>${value ? esc(value) : `<span class="wx-placeholder">${esc(ph)}</span>`}</div>`;
    }
    case 'wx-textarea': {
      const value = attr(node, 'value') ?? '';
      const ph = attr(node, 'placeholder') ?? '';
      return `<div${common()}>${value ? esc(value) : `<span class="wx-placeholder">${esc(ph)}</span>`}</div>`;
    }
    default:
      return `<div${common()}>${kids}</div>`;
  }
}

const BASE_CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { width: 375px; -webkit-font-smoothing: antialiased; font-family: "${FONT_FAMILY}", sans-serif; }
.wx-page { min-height: 100vh; }
.wx-view, .wx-picker, .wx-scroll-view, .wx-root { display: block; }
.wx-scroll-view { overflow: hidden; }
.wx-text { display: inline; white-space: pre-wrap; }
.wx-button { font: inherit; border: none; outline: none; cursor: pointer; -webkit-appearance: none; appearance: none; }
.wx-input { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.wx-textarea { display: block; white-space: pre-wrap; min-height: 80px; }
.wx-placeholder { color: rgba(0, 0, 0, 0.3); }
img.wx-image { display: inline-block; object-fit: cover; width: 320px; height: 240px; }
.mp-statusbar { height: 20px; background: #ededed; display: flex; justify-content: space-between; align-items: center; padding: 0 16px; font-size: 12px; font-weight: 600; color: #000; }
.mp-navbar { height: 44px; background: #ededed; display: flex; align-items: center; justify-content: center; position: relative; font-size: 17px; font-weight: 500; color: #000; }
.mp-back { position: absolute; left: 16px; top: 14px; width: 12px; height: 12px; border-left: 2px solid #000; border-bottom: 2px solid #000; transform: rotate(45deg); }
.mp-capsule { position: absolute; right: 7px; top: 6px; width: 87px; height: 32px; border-radius: 16px; border: 0.5px solid rgba(0,0,0,0.12); background: rgba(255,255,255,0.6); display: flex; align-items: center; justify-content: space-around; }
.mp-capsule i { display: block; }
.mp-dots { width: 20px; height: 4px; background: radial-gradient(circle, #000 2px, transparent 2.2px) 0 0/8px 4px repeat-x; }
.mp-sep { width: 0.5px; height: 18px; background: rgba(0,0,0,0.15); }
.mp-ring { width: 16px; height: 16px; border-radius: 50%; border: 2px solid #000; position: relative; }
.mp-ring::after { content: ""; position: absolute; left: 4px; top: 4px; width: 4px; height: 4px; border-radius: 50%; background: #000; }
.mp-chrome { position: sticky; top: 0; z-index: 20; }
`;

export interface RenderInput {
  tree: JsonNode;
  mpRoot: string;
  page: string;
  /** Navigation bar title (default: the page's navigationBarTitleText). */
  title?: string;
  back?: boolean;
}

/**
 * `mpRoot` is the after-sales package (miniprogram/aftersale): its pages and
 * styles/base.wxss (which each page @imports); the app root is its parent
 * (app.json, the main package's components used by the page).
 */
export function pageHtml({ tree, mpRoot, page, title, back = true }: RenderInput): string {
  const dir = path.join(mpRoot, 'pages', page);
  const appRoot = path.dirname(mpRoot);
  const appWxss = readFileSync(path.join(mpRoot, 'styles', 'base.wxss'), 'utf8');
  const ownWxss = existsSync(path.join(dir, 'index.wxss')) ? readFileSync(path.join(dir, 'index.wxss'), 'utf8').replace(/^@import[^\n]*\n/gm, '') : '';
  const json = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'));
  // Components the page uses (absolute paths are from the app root) bring their own styles.
  const componentWxss = Object.values((json.usingComponents ?? {}) as Record<string, string>)
    .map((c) => path.join(c.startsWith('/') ? appRoot : dir, `${c}.wxss`))
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const pageWxss = `${componentWxss}\n${ownWxss}`;
  const appJson = JSON.parse(readFileSync(path.join(appRoot, 'app.json'), 'utf8'));
  const navTitle = title ?? json.navigationBarTitleText ?? appJson.window?.navigationBarTitleText ?? '';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=375">
${FONT_WEIGHTS.map((w) => `<link rel="stylesheet" href="${FONT_ORIGIN}/@fontsource/noto-sans-sc/${w}.css">`).join('')}
<style>${BASE_CSS}</style><style>${withBundledFont(wxssToCss(appWxss))}</style><style>${withBundledFont(wxssToCss(pageWxss))}</style></head>
<body class="wx-page"><div class="mp-chrome"><div class="mp-statusbar"><span>9:41</span><span>100%</span></div>
<div class="mp-navbar">${back ? '<i class="mp-back"></i>' : ''}<span>${esc(navTitle)}</span><div class="mp-capsule"><i class="mp-dots"></i><i class="mp-sep"></i><i class="mp-ring"></i></div></div></div>
${render(tree)}</body></html>`;
}
