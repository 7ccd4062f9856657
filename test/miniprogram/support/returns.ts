/**
 * After-sales made for page tests straight through the functions (as the
 * buyer / staff would), evidence files in the emulator's storage, and
 * deadlines moved for the overdue / due-today highlights.
 */
import { writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { DEMO, type PageEnv } from './pages';
import { syntheticJpeg } from '../../../scripts/emulator/openapi/media';
import { tmpFile } from '../../support/tmp';

let n = 0;
/** A fresh requestId. */
export const rid = (): string => `mp-test-${Date.now().toString(36)}-${++n}`;

/**
 * The bytes of a small JPEG (what the evidence checks accept): a valid header
 * of 640 × 480 px (within security.imgSecCheck's limits) padded to `size`, as
 * test/support/emulator.ts's jpeg() (which cannot be loaded in the jsdom
 * environment: it brings the whole emulator).
 */
export function jpegBytes(size = 4096, width = 640, height = 480): Buffer {
  return syntheticJpeg(width, height, size);
}

/** A JPEG on disk, as wx.chooseMedia hands one to the page (env.shim.nextMedia). */
export function tmpJpeg(): string {
  const file = tmpFile('photo.jpg');
  writeFileSync(file, jpegBytes());
  return file;
}

/** `count` picked photos for env.shim.nextMedia. */
export function pickedPhotos(count: number) {
  return Array.from({ length: count }, () => ({ tempFilePath: tmpJpeg(), size: 4096, fileType: 'image' as const }));
}

/** A photo already in the caller's evidence folder: its fileID. */
export function uploadPhoto(env: PageEnv, openid: string = DEMO.buyer): Promise<string> {
  return env.emu.upload(`evidence/${openid}/${Date.now()}-${++n}.jpg`, jpegBytes());
}

/** Call a function as `openid` with a fresh requestId; its data, or the test fails with the refusal. */
export async function must(env: PageEnv, name: string, event: Record<string, unknown>, openid: string): Promise<any> {
  const res = await env.emu.call(name, { requestId: rid(), ...event }, { openid });
  if (!res.ok) throw new Error(`${name} ${JSON.stringify(event)}: ${JSON.stringify(res.error)}`);
  return res.data;
}

/** The buyer applies; the returnId. */
export async function apply(
  env: PageEnv,
  orderId: string,
  type: string,
  reason: string,
  lines: { lineId: string; quantity: number }[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  return (await must(env, 'applyReturn', { action: 'apply', orderId, type, reason, lines, ...extra }, DEMO.buyer)).return.returnId;
}

/** Move an after-sale's deadline (seeded over the stored document). */
export async function setDeadline(env: PageEnv, returnId: string, deadline: Date): Promise<void> {
  const doc = (await env.emu.db('returns')).find((r: any) => r._id === returnId);
  await env.emu.seed({ returns: [{ ...doc, deadline: deadline.toISOString() }] });
}

/** Move the emulator clock to the next 10:00 in Shanghai (it only moves forward) and align the pages' clock; that instant in ms. */
export async function atTenInShanghai(env: PageEnv): Promise<number> {
  const now = await env.emu.now();
  const sh = new Date(now + 8 * 3_600_000);
  let target = Date.UTC(sh.getUTCFullYear(), sh.getUTCMonth(), sh.getUTCDate(), 10) - 8 * 3_600_000;
  if (target <= now) target += 86_400_000;
  await env.emu.advance(target - now);
  await env.syncClock();
  return target;
}

/** A rejected after-sale the buyer appealed: DISPUTED. */
export async function dispute(env: PageEnv, returnId: string): Promise<void> {
  await must(env, 'reviewReturn', { action: 'reject', returnId, reason: '商品已使用，影响二次销售' }, DEMO.merchant);
  await must(env, 'applyReturn', { action: 'appeal', returnId, description: '只是试用了一下，商品完好' }, DEMO.buyer);
}

let orderSeq = 0;
/**
 * A fresh order of the demo buyer (received yesterday, one line of `paid` fen,
 * paid with WeChat Pay): its id. For tests that need more after-sales than
 * the demo shop has lines.
 */
export async function seedOrder(env: PageEnv, paid = 20000, status: 'PAID' | 'RECEIVED' = 'RECEIVED', title = '测试商品'): Promise<string> {
  const now = await env.emu.now();
  const iso = (ms: number) => ({ $date: new Date(ms).toISOString() });
  const id = `O7${String(Date.now() % 1_000_000).padStart(6, '0')}${++orderSeq}`;
  await env.emu.seed({
    orders: [
      {
        _id: id,
        buyerOpenid: DEMO.buyer,
        status,
        paidAt: iso(now - 4 * 86_400_000),
        ...(status === 'RECEIVED' ? { shippedAt: iso(now - 3 * 86_400_000), receivedAt: iso(now - 86_400_000) } : {}),
        shippingFee: 0,
        payments: [
          {
            outTradeNo: `T${id.slice(1)}`,
            transactionId: `4200000${id.slice(1)}000000000000`,
            channel: 'WECHAT_PAY',
            amount: paid,
            paidAt: iso(now - 4 * 86_400_000),
            kind: 'FULL',
          },
        ],
        lines: [{ lineId: 'L1', skuId: `SKU-${id}`, title, quantity: 1, unitPrice: paid, paidAmount: paid }],
      },
    ],
  });
  return id;
}

/** Set the shop's contact settings (phone, WeChat customer service); null removes them. */
export async function setContact(env: PageEnv, contact: { phone?: string; customerService?: boolean } | null): Promise<void> {
  const shop = (await env.emu.db('settings')).find((d: any) => d._id === 'shop');
  const { contact: _old, ...rest } = shop;
  await env.emu.seed({ settings: [contact ? { ...rest, contact } : rest] });
  // the functions keep the settings for a minute (app/settings.ts SETTINGS_TTL_MS)
  await env.emu.advance(61_000);
  await env.syncClock();
}

/**
 * A fresh clothing order of the demo buyer for 换货 (received yesterday): a
 * T-shirt line (`tee`, the demo catalogue's product P-TEE, 59 元 each) and a
 * pair of shoes (P-SHOE, 399 元), as the demo shop's O1007: its id.
 */
export async function seedClothingOrder(env: PageEnv, tee = { skuId: 'SKU-TEE-W-M', title: '纯棉圆领T恤 白色 M', quantity: 1 }): Promise<string> {
  const now = await env.emu.now();
  const iso = (ms: number) => ({ $date: new Date(ms).toISOString() });
  const id = `O8${String(Date.now() % 1_000_000).padStart(6, '0')}${++orderSeq}`;
  const teePaid = 5900 * tee.quantity;
  await env.emu.seed({
    orders: [
      {
        _id: id,
        buyerOpenid: DEMO.buyer,
        status: 'RECEIVED',
        paidAt: iso(now - 4 * 86_400_000),
        shippedAt: iso(now - 3 * 86_400_000),
        receivedAt: iso(now - 86_400_000),
        shippingFee: 0,
        payments: [
          {
            outTradeNo: `T${id.slice(1)}`,
            transactionId: `4200000${id.slice(1)}000000000000`,
            channel: 'WECHAT_PAY',
            amount: teePaid + 39900,
            paidAt: iso(now - 4 * 86_400_000),
            kind: 'FULL',
          },
        ],
        lines: [
          { lineId: 'L1', skuId: tee.skuId, productId: 'P-TEE', title: tee.title, quantity: tee.quantity, unitPrice: 5900, paidAmount: teePaid },
          { lineId: 'L2', skuId: 'SKU-SHOE-42', productId: 'P-SHOE', title: '轻跑运动鞋 42码', quantity: 1, unitPrice: 39900, paidAmount: 39900 },
        ],
      },
    ],
  });
  return id;
}

/**
 * An exchange (换货) of line L1 for `skuId` through the functions, taken to
 * `until`: approved, the goods shipped back by the buyer (SF1234567890123),
 * received by the shop (AWAITING_RESHIP), or the replacement sent
 * (RESHIPPED, SF9876543210987). Its returnId.
 */
export async function exchangeUntil(env: PageEnv, orderId: string, skuId: string, until: 'PENDING_REVIEW' | 'AWAITING_RESHIP' | 'RESHIPPED'): Promise<string> {
  const id = await apply(env, orderId, 'EXCHANGE', 'SIZE_COLOR', [{ lineId: 'L1', quantity: 1 }], { replacements: [{ lineId: 'L1', skuId }] });
  if (until === 'PENDING_REVIEW') return id;
  await must(env, 'reviewReturn', { action: 'approve', returnId: id }, DEMO.merchant);
  await must(env, 'submitLogistics', { returnId: id, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123' }, DEMO.buyer);
  await must(env, 'reviewReturn', { action: 'confirmReceipt', returnId: id }, DEMO.merchant);
  if (until === 'RESHIPPED') await must(env, 'reviewReturn', { action: 'reship', returnId: id, carrier: 'SF', trackingNo: 'SF9876543210987' }, DEMO.merchant);
  return id;
}
