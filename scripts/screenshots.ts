/**
 * npm run screenshots — renders every mini-program page in representative
 * states against the REAL functions and writes PNGs to docs/screenshots/.
 *
 * Plain Node (not jest): the local emulator runs in-process with the built
 * functions (test/support/emulator.ts), the pages are rendered by
 * miniprogram-simulate in a jsdom window with the wx shim of the page tests
 * (wx.cloud → the emulator over HTTP), each rendered toJSON() tree becomes
 * HTML with the WXSS (rpx → px), and playwright-core drives the headless
 * Chromium that @sparticuz/chromium ships in the npm package, with the
 * Noto Sans SC of @fontsource/noto-sans-sc (scripts/miniprogram/browser.ts:
 * no system browser or font), to shoot it at 375 px, scale 2.
 *
 * Usage: npm run screenshots [-- name-filter]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import type { Browser } from 'playwright-core';
import { startEmulator, DEMO, jpeg, type Harness } from '../test/support/emulator';
import { createWxShim, installWxGlobals, type WxShim } from './miniprogram/wx-shim';
import { pageHtml, type JsonNode } from './miniprogram/render-html';
import { fontsLoaded, launchChromium, serveFonts } from './miniprogram/browser';

const ROOT = path.resolve(__dirname, '..');
const APP_ROOT = path.join(ROOT, 'miniprogram');
const MP_ROOT = path.join(APP_ROOT, 'aftersale');
const OUT = path.join(ROOT, 'docs', 'screenshots');
const DAY = 86_400_000;
const HOUR = 3_600_000;

// ------------------------------------------------------------------ a DOM for miniprogram-simulate

function installDom(): void {
  const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true });
  // biome-ignore lint/plugin/no-as-any: jsdom's window members are copied onto globalThis by name, which no type describes
  const g = globalThis as any;
  g.window = dom.window;
  // DOM classes must be jsdom's even where Node has its own (Event, EventTarget...);
  // the fetch family (Headers, Request, AbortController...) stays Node's for the harness.
  const force = /^(Event|EventTarget|CustomEvent|.*Event|Node|NodeList|Element|HTML.*|SVG.*|Document.*|Text|Comment|Mutation.*|Window)$/;
  for (const key of Object.getOwnPropertyNames(dom.window)) {
    if (key.startsWith('_') || (key in g && !force.test(key))) continue;
    try {
      // biome-ignore lint/plugin/no-as-any: jsdom's window members are copied onto globalThis by name, which no type describes
      g[key] = (dom.window as any)[key];
    } catch {
      /* getters that throw */
    }
  }
  g.document = dom.window.document;
}

/**
 * simulate requires a page as `<dir>/index` (no extension); Node would pick
 * index.json before tsx's index.ts: resolve mini-program modules to .ts first.
 */
function preferTs(): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  // biome-ignore lint/plugin/no-as-any: Module._resolveFilename is Node's internal resolver, absent from @types/node
  const Module = require('node:module') as any;
  const orig = Module._resolveFilename;
  Module._resolveFilename = function (request: string, ...rest: unknown[]) {
    if (path.isAbsolute(request) && request.startsWith(APP_ROOT) && !path.extname(request) && existsSync(`${request}.ts`)) return `${request}.ts`;
    return orig.call(this, request, ...rest);
  };
}

// ------------------------------------------------------------------ demo data for the screenshots

let n = 0;
const rid = () => `shot-${Date.now().toString(36)}-${++n}`;

function extraOrders(nowMs: number) {
  const iso = (ms: number) => ({ $date: new Date(ms).toISOString() });
  const order = (id: string, status: string, lines: { lineId: string; title: string; quantity: number; paidAmount: number }[], shippingFee = 0) => {
    const total = lines.reduce((s, l) => s + l.paidAmount, 0) + shippingFee;
    return {
      _id: id,
      buyerOpenid: DEMO.buyer,
      status,
      paidAt: iso(nowMs - 4 * DAY),
      ...(status !== 'PAID' ? { shippedAt: iso(nowMs - 3 * DAY) } : {}),
      ...(status === 'RECEIVED' ? { receivedAt: iso(nowMs - 1 * DAY) } : {}),
      shippingFee,
      payments: [
        { outTradeNo: `T${id.slice(1)}`, transactionId: `4200000${id.slice(1)}0000000000000000`, channel: 'WECHAT_PAY', amount: total, paidAt: iso(nowMs - 4 * DAY), kind: 'FULL' },
      ],
      lines: lines.map((l) => ({ ...l, skuId: `SKU-${id}-${l.lineId}`, unitPrice: Math.round(l.paidAmount / l.quantity) })),
    };
  };
  return [
    order('O3001', 'RECEIVED', [{ lineId: 'L1', title: '北欧风陶瓷餐盘 4 件套', quantity: 1, paidAmount: 12900 }]),
    order('O3002', 'RECEIVED', [{ lineId: 'L1', title: '男士休闲运动鞋 42 码', quantity: 1, paidAmount: 32900 }]),
    order('O3003', 'RECEIVED', [
      { lineId: 'L1', title: '无线蓝牙音箱 便携款', quantity: 1, paidAmount: 19900 },
      { lineId: 'L2', title: '音箱保护套', quantity: 1, paidAmount: 2900 },
    ]),
    order('O3004', 'RECEIVED', [{ lineId: 'L1', title: '真丝围巾 藏青色', quantity: 1, paidAmount: 25900 }]),
    order('O3005', 'PAID', [{ lineId: 'L1', title: '有机燕麦片 1kg', quantity: 2, paidAmount: 7800 }], 600),
    order('O3006', 'RECEIVED', [{ lineId: 'L1', title: '羊毛混纺大衣 驼色 M', quantity: 1, paidAmount: 69900 }]),
    order('O3007', 'PAID', [{ lineId: 'L1', title: '电动牙刷 声波款', quantity: 1, paidAmount: 15900 }]),
    order('O3008', 'RECEIVED', [{ lineId: 'L1', title: '儿童学习桌椅套装', quantity: 1, paidAmount: 89900 }]),
    order('O3009', 'RECEIVED', [{ lineId: 'L1', title: '空气净化器', quantity: 1, paidAmount: 129900 }]),
    order('O3010', 'RECEIVED', [{ lineId: 'L1', title: '纯棉四件套 1.8m', quantity: 1, paidAmount: 39900 }]),
    order('O3011', 'RECEIVED', [{ lineId: 'L1', title: '不锈钢保温杯 500ml', quantity: 1, paidAmount: 12900 }]),
    order('O3012', 'RECEIVED', [{ lineId: 'L1', title: '机械键盘 茶轴', quantity: 1, paidAmount: 35900 }]),
    order('O3013', 'PAID', [{ lineId: 'L1', title: '猫粮 10kg', quantity: 1, paidAmount: 26900 }]),
    // 换货: T-shirts of the demo catalogue (product P-TEE, 59 元, skus of scripts/emulator/demo.ts)
    ...['O3014', 'O3015', 'O3016', 'O3017'].map((id) => {
      const o = order(id, 'RECEIVED', [{ lineId: 'L1', title: '纯棉圆领T恤 白色 M', quantity: 1, paidAmount: 5900 }]);
      return { ...o, lines: o.lines.map((l) => ({ ...l, skuId: 'SKU-TEE-W-M', productId: 'P-TEE' })) };
    }),
  ];
}

interface Scenario {
  ids: Record<string, string>;
}

async function must(h: Harness, name: string, event: Record<string, unknown>, openid: string) {
  const res = await h.call(name, event, { openid });
  if (!res?.ok) throw new Error(`${name} ${JSON.stringify(event)}: ${JSON.stringify(res?.error ?? res)}`);
  return res.data;
}

async function photo(h: Harness, openid: string): Promise<string> {
  return h.upload(`evidence/${openid}/${Date.now()}-${++n}.jpg`, jpeg(4096), 'image/jpeg');
}

async function buildScenario(h: Harness): Promise<Scenario> {
  await h.seed({ orders: extraOrders(await h.now()) });
  // 联系商家: the shop set up WeChat customer service and a phone (before any function warms its settings cache)
  const shop = (await h.db('settings')).find((d: any) => d._id === 'shop');
  await h.seed({ settings: [{ ...shop, contact: { phone: '400-820-8820', customerService: true } }] });
  const B = DEMO.buyer;
  const M = DEMO.merchant;
  const apply = async (orderId: string, type: string, reason: string, lines: { lineId: string; quantity: number }[], extra: Record<string, unknown> = {}) =>
    (await must(h, 'applyReturn', { action: 'apply', requestId: rid(), orderId, type, reason, lines, ...extra }, B)).return.returnId as string;
  const review = (returnId: string, action: string, extra: Record<string, unknown> = {}, openid: string = M) =>
    must(h, 'reviewReturn', { action, requestId: rid(), returnId, ...extra }, openid);
  const address = { name: '示例小店售后部', phone: '13800000000', address: '上海市浦东新区示例路 88 号 3 楼 售后仓' };

  const ids: Record<string, string> = {};
  ids.pending = await apply('O3001', 'RETURN_REFUND', 'DAMAGED', [{ lineId: 'L1', quantity: 1 }], {
    description: '快递送到时外箱破损，其中一个盘子有裂纹',
    evidence: [await photo(h, B), await photo(h, B)],
  });
  ids.awaiting = await apply('O3002', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }], { description: '尺码偏小' });
  await review(ids.awaiting, 'approve', { returnAddress: address });
  ids.inTransit = await apply('O3003', 'RETURN_REFUND', 'QUALITY_ISSUE', [{ lineId: 'L1', quantity: 1 }], { description: '充满电只能用半小时', evidence: [await photo(h, B)] });
  await review(ids.inTransit, 'approve', { returnAddress: address });
  await must(h, 'submitLogistics', { requestId: rid(), returnId: ids.inTransit, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123', postage: 1200 }, B);
  ids.rejected = await apply('O3004', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
  await review(ids.rejected, 'reject', { reason: '商品已使用且吊牌已拆除，影响二次销售' });
  ids.refunded = await apply('O3005', 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L1', quantity: 2 }], { description: '拍重了一单' });
  await review(ids.refunded, 'approve');
  await h.flush();
  ids.lost = await apply('O3006', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
  await review(ids.lost, 'reject', { reason: '大衣有明显穿着痕迹和香水味' });
  await must(h, 'applyReturn', { action: 'appeal', requestId: rid(), returnId: ids.lost, description: '只试穿过一次，没有外穿' }, B);
  await review(ids.lost, 'decide', { decision: 'MERCHANT', reason: '商家提供的验货视频显示衣物有穿着痕迹，不符合七天无理由退货条件' }, DEMO.arbiter);
  await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
  ids.failed = await apply('O3007', 'REFUND_ONLY', 'NOT_RECEIVED', [{ lineId: 'L1', quantity: 1 }]);
  await review(ids.failed, 'approve');
  ids.disputed = await apply('O3008', 'RETURN_REFUND', 'NOT_AS_DESCRIBED', [{ lineId: 'L1', quantity: 1 }], {
    description: '桌面颜色和图片差别很大',
    evidence: [await photo(h, B)],
  });
  await review(ids.disputed, 'reject', { reason: '颜色受显示器影响，属正常色差' });
  await must(h, 'applyReturn', { action: 'appeal', requestId: rid(), returnId: ids.disputed, description: '色差明显超出正常范围，附对比照片', evidence: [await photo(h, B)] }, B);

  // A pickup re-booked for another slot whose first booking the carrier would not cancel.
  ids.rebooked = await apply('O3009', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }], { description: '噪音比预期大' });
  await review(ids.rebooked, 'approve', { returnAddress: address });
  // Tomorrow 09:00–11:00 Shanghai (01:00 UTC) on the emulator clock, then the day after 14:00–16:00.
  const tomorrow = Math.floor((await h.now()) / DAY) * DAY + DAY;
  const at = (ms: number) => new Date(ms).toISOString();
  const pickup = { name: '王小明', phone: '13900000000', address: '上海市徐汇区示例路 1 号 2 室', slotStart: at(tomorrow + HOUR), slotEnd: at(tomorrow + 3 * HOUR) };
  await must(h, 'submitLogistics', { requestId: rid(), returnId: ids.rebooked, mode: 'PICKUP', pickup }, B);
  // A re-booking cancels the first booking with the carrier first (a carrier that will not cancel stops it).
  await must(
    h,
    'submitLogistics',
    { requestId: rid(), returnId: ids.rebooked, mode: 'PICKUP', pickup: { ...pickup, slotStart: at(tomorrow + DAY + 6 * HOUR), slotEnd: at(tomorrow + DAY + 8 * HOUR) } },
    B,
  );

  // 协商: a proposal the buyer is answering; one the merchant is about to make (ids.proposing stays in review).
  ids.negotiating = await apply('O3010', 'RETURN_REFUND', 'NOT_AS_DESCRIBED', [{ lineId: 'L1', quantity: 1 }], {
    description: '颜色比图片深，但可以接受',
    evidence: [await photo(h, B)],
  });
  await review(ids.negotiating, 'propose', { kind: 'PARTIAL_REFUND', refundAmount: 8000, reason: '色差属实，您如愿意保留商品，我们退您 80 元作为补偿' });
  ids.proposing = await apply('O3011', 'RETURN_REFUND', 'QUALITY_ISSUE', [{ lineId: 'L1', quantity: 1 }], { description: '杯盖有点漏水', evidence: [await photo(h, B)] });
  // 留言: a thread from both sides on an after-sale in review (one of the buyer's messages unread by staff)
  ids.thread = await apply('O3012', 'RETURN_REFUND', 'QUALITY_ISSUE', [{ lineId: 'L1', quantity: 1 }], { description: '部分按键失灵', evidence: [await photo(h, B)] });
  await must(h, 'applyReturn', { action: 'message', requestId: rid(), returnId: ids.thread, text: 'F 和 J 两个键按下去没反应，附上照片', evidence: [await photo(h, B)] }, B);
  await review(ids.thread, 'message', { text: '收到，麻烦您在键盘测试网站上测一下，截图发我们看看' });
  await must(h, 'applyReturn', { action: 'message', requestId: rid(), returnId: ids.thread, text: '测过了，两个键都没有信号，截图在这里', evidence: [await photo(h, B)] }, B);
  // 退款异常 past the shop's deadline: the buyer is told the shop is overdue
  await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
  ids.refundOverdue = await apply('O3013', 'REFUND_ONLY', 'NOT_RECEIVED', [{ lineId: 'L1', quantity: 1 }], { description: '物流显示签收但我没收到' });
  await review(ids.refundOverdue, 'approve');

  // 换货: waiting for the replacement, the replacement sent, confirmed, and converted to a refund (out of stock).
  const exchange = async (orderId: string, skuId: string, until: 'AWAITING_RESHIP' | 'RESHIPPED') => {
    const id = await apply(orderId, 'EXCHANGE', 'SIZE_COLOR', [{ lineId: 'L1', quantity: 1 }], { description: 'M 码偏小，想换大一码', replacements: [{ lineId: 'L1', skuId }] });
    await review(id, 'approve', { returnAddress: address });
    await must(h, 'submitLogistics', { requestId: rid(), returnId: id, mode: 'SELF_SHIP', carrier: 'ZTO', trackingNo: '731234567890123' }, B);
    await review(id, 'confirmReceipt');
    if (until === 'RESHIPPED') await review(id, 'reship', { carrier: 'SF', trackingNo: 'SF9876543210987' });
    return id;
  };
  ids.awaitingReship = await exchange('O3014', 'SKU-TEE-W-L', 'AWAITING_RESHIP');
  ids.reshipped = await exchange('O3015', 'SKU-TEE-W-L', 'RESHIPPED');
  ids.exchanged = await exchange('O3016', 'SKU-TEE-B-M', 'RESHIPPED');
  await must(h, 'applyReturn', { action: 'confirmExchange', requestId: rid(), returnId: ids.exchanged }, B);
  ids.converted = await exchange('O3017', 'SKU-TEE-W-XL', 'AWAITING_RESHIP');
  await review(ids.converted, 'convertToRefund', { reason: '白色 XL 已售罄，短期内不会补货，为您原路退款' });
  await h.flush();

  // Work queue highlights: one pending review overdue, one due later today.
  const now = await h.now();
  const docs = await h.db('returns');
  const pendingDoc = docs.find((r: any) => r._id === ids.pending);
  ids.overdue = await apply('O1003', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L2', quantity: 1 }], { description: '颜色不喜欢' });
  const overdueDoc = (await h.db('returns')).find((r: any) => r._id === ids.overdue);
  const sh = new Date(now + 8 * 3_600_000);
  const endOfToday = Date.UTC(sh.getUTCFullYear(), sh.getUTCMonth(), sh.getUTCDate(), 23, 59) - 8 * 3_600_000;
  await h.seed({
    returns: [
      { ...overdueDoc, deadline: new Date(now - 3 * 3_600_000).toISOString() },
      { ...pendingDoc, deadline: new Date(Math.min(now + 5 * 3_600_000, endOfToday)).toISOString() },
      { ...docs.find((r: any) => r._id === ids.refundOverdue), deadline: new Date(now - 5 * 3_600_000).toISOString() },
    ],
  });
  return { ids };
}

// ------------------------------------------------------------------ rendering

interface Shot {
  name: string;
  page: string;
  as: string;
  options?: Record<string, string>;
  /** Interactions after load. */
  act?: (p: { comp: any; settle: () => Promise<void>; shim: WxShim }) => Promise<void>;
  title?: string;
}

async function main() {
  const filter = process.argv[2] ?? '';
  mkdirSync(OUT, { recursive: true });
  const h = await startEmulator();
  let browser: Browser | null = null;
  // temporary files: the picked photo, the shim's compressed images
  const cleanUps: (() => void)[] = [];
  try {
    const scenario = await buildScenario(h);
    const ids = scenario.ids;

    installDom();
    preferTs();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const simulate = require('miniprogram-simulate');
    const shim = createWxShim(h.url);
    cleanUps.push(() => shim.dispose());
    installWxGlobals(globalThis, shim);
    const { config } = require(path.join(MP_ROOT, 'config'));
    config.mode = 'cloud';
    config.previewDebounceMs = 0;
    config.retryDelaysMs = [50, 50];
    const { clock } = require(path.join(MP_ROOT, 'utils', 'format'));
    const { resetSession } = require(path.join(MP_ROOT, 'utils', 'session'));
    const { resetApiState } = require(path.join(MP_ROOT, 'utils', 'api'));
    clock.offsetMs = (await h.now()) - Date.now();
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        await shim.idle();
        await simulate.sleep(0);
      }
    };
    const loaded: Record<string, string> = {};
    const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'shots-'));
    cleanUps.push(() => rmSync(mediaDir, { recursive: true, force: true }));
    const mediaFile = path.join(mediaDir, 'photo.jpg');
    writeFileSync(mediaFile, jpeg(4096));

    const pick = (comp: any, sel: string, value: string) => comp.querySelector(sel).dispatchEvent('change', { detail: { value } });
    const tap = (comp: any, sel: string, i = 0) => comp.querySelectorAll(sel)[i].dispatchEvent('tap');
    const input = (comp: any, sel: string, value: string) => comp.querySelector(sel).dispatchEvent('input', { detail: { value } });

    const shots: Shot[] = [
      { name: 'buyer-order-detail', page: 'order-detail', as: DEMO.buyer, options: { orderId: 'O3003' } },
      {
        name: 'buyer-apply-preview-eligible',
        page: 'apply',
        as: DEMO.buyer,
        options: { orderId: 'O1003', lineId: 'L1' },
        act: async ({ comp, settle }) => {
          tap(comp, '.qty-minus');
          await settle();
          pick(comp, '.reason-picker', '0');
          await settle();
          input(comp, '.description-input', '买多了，退回两只');
          await settle();
        },
      },
      {
        name: 'buyer-apply-preview-refused',
        page: 'apply',
        as: DEMO.buyer,
        options: { orderId: 'O1006' },
        act: async ({ comp, settle }) => {
          tap(comp, '.line-check', 0);
          await settle();
          tap(comp, '.line-check', 1);
          await settle();
          pick(comp, '.reason-picker', '0');
          await settle();
        },
      },
      {
        name: 'buyer-apply-quality-with-photo',
        page: 'apply',
        as: DEMO.buyer,
        options: { orderId: 'O1004' },
        act: async ({ comp, settle, shim }) => {
          pick(comp, '.reason-picker', String(comp.instance.data.reasonLabels.indexOf('质量问题')));
          await settle();
          input(comp, '.description-input', '左耳机没有声音，重新配对也不行');
          await settle();
          shim.nextMedia = [{ tempFilePath: mediaFile, size: 4096, fileType: 'image' }];
          tap(comp, '.add-evidence');
          await settle();
        },
      },
      {
        name: 'buyer-apply-preview-offline',
        page: 'apply',
        as: DEMO.buyer,
        options: { orderId: 'O1001', lineId: 'L1' },
        act: async ({ comp, settle, shim }) => {
          shim.failures = ['before', 'before', 'before'];
          pick(comp, '.reason-picker', '0');
          // the call and its two retries, config.retryDelaysMs apart
          await new Promise((r) => setTimeout(r, 400));
          await settle();
        },
      },
      { name: 'buyer-apply-modify', page: 'apply', as: DEMO.buyer, options: { returnId: ids.pending } },
      {
        name: 'buyer-apply-exchange',
        page: 'apply',
        as: DEMO.buyer,
        options: { orderId: 'O1007', lineId: 'L1' },
        act: async ({ comp, settle }) => {
          tap(comp, '.type-choice', 2);
          await settle();
          pick(comp, '.reason-picker', String(comp.instance.data.reasonLabels.indexOf('尺码/颜色不合适')));
          await settle();
          const labels = comp.instance.data.lines[0].skuOptions.map((o: { label: string }) => o.label);
          tap(comp, '.sku-option', labels.indexOf('白色 / L'));
          await settle();
          input(comp, '.description-input', 'M 码偏小，想换大一码');
          await settle();
        },
      },
      { name: 'buyer-detail-awaiting-reship', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.awaitingReship } },
      { name: 'buyer-detail-reshipped', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.reshipped } },
      { name: 'buyer-detail-exchanged', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.exchanged } },
      { name: 'buyer-detail-exchange-converted', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.converted } },
      { name: 'buyer-detail-pending-review', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.pending } },
      { name: 'buyer-detail-forbidden', page: 'return-detail', as: DEMO.otherBuyer, options: { returnId: ids.pending } },
      { name: 'buyer-detail-awaiting-shipment', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.awaiting } },
      { name: 'buyer-detail-in-transit', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.inTransit } },
      { name: 'buyer-detail-rejected', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.rejected } },
      {
        name: 'buyer-detail-appeal',
        page: 'return-detail',
        as: DEMO.buyer,
        options: { returnId: ids.rejected },
        act: async ({ comp, settle, shim }) => {
          tap(comp, '.action-appeal');
          await settle();
          input(comp, '.appeal-input', '吊牌没有拆，只是拆开了外包装看了一下，附照片');
          shim.nextMedia = [{ tempFilePath: mediaFile, size: 4096, fileType: 'image' }];
          tap(comp, '.appeal-add');
          await settle();
        },
      },
      { name: 'buyer-detail-disputed', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.disputed } },
      { name: 'buyer-detail-refunded', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.refunded } },
      { name: 'buyer-detail-dispute-lost', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.lost } },
      { name: 'buyer-detail-negotiating', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.negotiating } },
      { name: 'buyer-detail-messages', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.thread } },
      { name: 'buyer-detail-refund-overdue', page: 'return-detail', as: DEMO.buyer, options: { returnId: ids.refundOverdue } },
      {
        name: 'buyer-logistics-self-ship',
        page: 'logistics',
        as: DEMO.buyer,
        options: { returnId: ids.awaiting },
        act: async ({ comp, settle }) => {
          pick(comp, '.carrier-picker', '3');
          await settle();
          input(comp, '.tracking-input', '731234567890123');
          await settle();
        },
      },
      {
        name: 'buyer-logistics-pickup',
        page: 'logistics',
        as: DEMO.buyer,
        options: { returnId: ids.awaiting },
        act: async ({ comp, settle }) => {
          tap(comp, '.mode-pickup');
          await settle();
          input(comp, '.pickup-name', '张先生');
          input(comp, '.pickup-phone', '13912345678');
          input(comp, '.pickup-address', '北京市朝阳区建国路 1 号院 3 号楼 1201');
          await settle();
        },
      },
      { name: 'buyer-my-returns', page: 'my-returns', as: DEMO.buyer },
      { name: 'staff-my-returns-entry', page: 'my-returns', as: DEMO.merchant },
      { name: 'staff-queue', page: 'staff-queue', as: DEMO.merchant },
      {
        name: 'staff-review-propose',
        page: 'staff-review',
        as: DEMO.merchant,
        options: { returnId: ids.proposing },
        act: async ({ comp, settle }) => {
          tap(comp, '.tab-propose');
          await settle();
          input(comp, '.propose-amount', '40');
          input(comp, '.propose-reason', '杯盖密封圈可单独补寄，如您愿意保留杯子，退您 40 元并补寄新密封圈');
          await settle();
        },
      },
      {
        name: 'staff-review-messages',
        page: 'staff-review',
        as: DEMO.merchant,
        options: { returnId: ids.thread },
        act: async ({ comp, settle }) => {
          input(comp, '.msg-input', '确认是质量问题，同意退货，运费由我们承担');
          await settle();
        },
      },
      { name: 'staff-queue-forbidden', page: 'staff-queue', as: DEMO.buyer },
      {
        name: 'staff-review-approve',
        page: 'staff-review',
        as: DEMO.merchant,
        options: { returnId: ids.pending },
      },
      {
        name: 'staff-review-reject',
        page: 'staff-review',
        as: DEMO.merchant,
        options: { returnId: ids.pending },
        act: async ({ comp, settle }) => {
          tap(comp, '.tab-reject');
          await settle();
          input(comp, '.reject-reason', '照片中的裂纹位置与发货前检验记录不符，请补充外箱照片');
          await settle();
        },
      },
      {
        name: 'staff-review-confirm-receipt',
        page: 'staff-review',
        as: DEMO.merchant,
        options: { returnId: ids.inTransit },
        act: async ({ comp, settle }) => {
          input(comp, '.amount-input', '179.00');
          input(comp, '.adjust-reason', '音箱外壳有划痕，扣除 20 元');
          await settle();
        },
      },
      {
        name: 'staff-review-refund-failed',
        page: 'staff-review',
        as: DEMO.merchant,
        options: { returnId: ids.failed },
        act: async ({ comp, settle }) => {
          tap(comp, '.tab-markOffline');
          await settle();
          input(comp, '.offline-note', '已通过银行转账退回 ¥159.00，流水号 20260101-8899');
          await settle();
        },
      },
      {
        name: 'staff-review-reship',
        page: 'staff-review',
        as: DEMO.merchant,
        options: { returnId: ids.awaitingReship },
        act: async ({ comp, settle }) => {
          pick(comp, '.carrier-picker', '0');
          await settle();
          input(comp, '.tracking-input', 'SF12345');
          await settle();
          // a waybill the carrier's format refuses: the error under the field
          tap(comp, '.submit-btn');
          await settle();
        },
      },
      {
        name: 'staff-review-convert',
        page: 'staff-review',
        as: DEMO.merchant,
        options: { returnId: ids.awaitingReship },
        act: async ({ comp, settle }) => {
          tap(comp, '.tab-convertToRefund');
          await settle();
          input(comp, '.convert-reason', '白色 L 码临时缺货，为您转为退款');
          await settle();
        },
      },
      { name: 'staff-review-attention', page: 'staff-review', as: DEMO.merchant, options: { returnId: ids.rebooked } },
      {
        name: 'staff-review-decide',
        page: 'staff-review',
        as: DEMO.arbiter,
        options: { returnId: ids.disputed },
        act: async ({ comp, settle }) => {
          tap(comp, '.decide-buyer');
          input(comp, '.decide-reason', '买家对比照片显示色差明显，支持退货退款');
          await settle();
        },
      },
    ];

    browser = await launchChromium();
    const ctx = await browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2 });
    await serveFonts(ctx);
    const tab = await ctx.newPage();
    const written: string[] = [];
    for (const s of shots) {
      if (filter && !s.name.includes(filter)) continue;
      shim.reset();
      resetSession(); // whoami is asked once per app run: each shot is a new caller
      resetApiState();
      shim.openid = s.as;
      const p = path.join(MP_ROOT, 'pages', s.page, 'index');
      loaded[p] ??= simulate.load(p, { rootPath: APP_ROOT });
      const comp = simulate.render(loaded[p]);
      comp.attach(document.createElement('parent-wrapper'));
      comp.instance.route = path.relative(APP_ROOT, p).split(path.sep).join('/');
      comp.instance.onLoad?.(s.options ?? {});
      await settle();
      if (s.act) await s.act({ comp, settle, shim });
      await settle();
      const html = pageHtml({ tree: comp.toJSON() as JsonNode, mpRoot: MP_ROOT, page: s.page, title: s.title, back: s.page !== 'my-returns' && s.page !== 'staff-queue' });
      comp.instance.onUnload?.();
      comp.detach();
      // The viewport grows to the whole page, so fixed bars (the action bar) sit at its bottom as on a phone.
      await tab.setViewportSize({ width: 375, height: 667 });
      await tab.setContent(html, { waitUntil: 'load' });
      await fontsLoaded(tab);
      const height = await tab.evaluate(() => Math.max(document.documentElement.scrollHeight, document.body.scrollHeight));
      await tab.setViewportSize({ width: 375, height: Math.max(667, Math.ceil(height)) });
      const file = path.join(OUT, `${s.name}.png`);
      await tab.screenshot({ path: file, fullPage: false });
      written.push(path.relative(ROOT, file));
      console.log(`  ${path.relative(ROOT, file)}`);
    }
    console.log(`${written.length} screenshots in ${path.relative(ROOT, OUT)}/`);
  } finally {
    for (const cleanUp of cleanUps) cleanUp();
    await browser?.close();
    await h.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
