/**
 * 换货 in the shell: the shop's SKUs (`skus`, read only), the exchange block
 * an after-sale carries, the stock record its events carry for the shop's own
 * stock system, and the stock check before the replacement goes out.
 */
import { command, findMany } from '../data/db';
import { C } from '../data/collections';
import { AppError } from '../runtime/envelope';
import { STATUSES } from '../machine/statuses';
import type { ActionName } from '../machine/transitions';
import { replacementRefusal, unitsPerSku } from '../policy/eligibility/rules/replacement';
import type { ExchangePreview } from '../policy/preview';
import type { OrderLine, RequestedReplacement, ReturnStatus, Sku } from '../policy/types';
import type { ExchangeInfo, ReturnDoc } from './model';

/** The SKUs with these ids (one request; unknown ids are simply absent). */
export async function skusById(ids: readonly string[]): Promise<Sku[]> {
  const unique = [...new Set(ids)];
  if (!unique.length) return [];
  return findMany<Sku>(C.skus, { _id: command().in(unique) }, { limit: 100 });
}

/** Every SKU of these products (the picker). */
export async function skusOfProducts(productIds: readonly string[]): Promise<Sku[]> {
  const unique = [...new Set(productIds)].filter(Boolean);
  if (!unique.length) return [];
  return findMany<Sku>(C.skus, { productId: command().in(unique) }, { limit: 1000 });
}

/** The exchange block stored on the after-sale, from the preview that accepted it. */
export function exchangeInfo(preview: ExchangePreview): ExchangeInfo {
  return { replacements: preview.replacements.map((r) => ({ ...r, attrs: { ...r.attrs } })), freight: preview.freight };
}

/** The replacements as the buyer asked for them (lineId → skuId). */
export function requestedReplacements(ret: Pick<ReturnDoc, 'exchange'>): RequestedReplacement[] {
  return (ret.exchange?.replacements ?? []).map((r) => ({ lineId: r.lineId, skuId: r.skuId }));
}

export type StockOp = 'exchangeReserved' | 'exchangeShipped' | 'exchangeReleased';

/** What an event tells the shop's stock system (see AfterSaleEvent.stock). */
export interface StockRecord {
  op: StockOp;
  skus: { skuId: string; quantity: number }[];
}

/**
 * The stock record of a committed transition of an exchange:
 * - apply / modify: the after-sale's reservation is now exactly these SKUs (replace, not add);
 * - reship: they left the warehouse (the reservation is consumed);
 * - the exchange ends without a shipment (cancelled, closed, converted to a refund, a proposal accepted): released,
 *   once — the refund's own moves after that (REFUNDING → REFUNDED, REFUND_FAILED, a retry) change no stock.
 * Null when the stock does not change.
 */
export function stockRecord(ret: Pick<ReturnDoc, 'exchange'>, action: ActionName, from: ReturnStatus | null, to: ReturnStatus): StockRecord | null {
  const ex = ret.exchange;
  if (!ex?.replacements.length) return null;
  // One entry per SKU (two lines may be swapped for the same one): a consumer keyed by skuId reads the whole reservation.
  const skus = unitsPerSku(ex.replacements);
  if (action === 'apply' || action === 'modify') return { op: 'exchangeReserved', skus };
  if (action === 'reship') return { op: 'exchangeShipped', skus };
  // Ends without a shipment: a refund was planned, or a terminal status (EXCHANGED comes only after the shipment).
  const info = STATUSES[to];
  const released = !!from && STATUSES[from]?.refundBound;
  return (info.refundBound || info.terminal) && !released && !ex.reship ? { op: 'exchangeReleased', skus } : null;
}

/** Before the replacement goes out: each SKU still matches its line and has the stock for every unit it replaces (else: convert to a refund). */
export async function requireReplacementStock(ret: ReturnDoc, lines: readonly OrderLine[]): Promise<void> {
  const replacements = ret.exchange?.replacements ?? [];
  const skus = await skusById(replacements.map((r) => r.skuId));
  const totals = unitsPerSku(replacements);
  for (const r of replacements) {
    const line = lines.find((l) => l.lineId === r.lineId);
    if (!line) {
      // The order no longer has the line (the shop rewrote it): nothing to check the replacement against — never ship it unchecked.
      throw new AppError('INVALID_STATE', '订单中已找不到该换货商品，不能发出换货，请核对订单数据', { refusal: 'LINE_NOT_FOUND', lineId: r.lineId });
    }
    const refusal = replacementRefusal(
      line,
      skus.find((s) => s._id === r.skuId),
      totals.find((t) => t.skuId === r.skuId)?.quantity ?? r.quantity,
    );
    if (refusal) {
      const message = `${refusal.message.replace(/；.*$/, '')}，不能发出换货；可转为退款`;
      throw new AppError('INVALID_STATE', message, { refusal: refusal.code, lineId: r.lineId });
    }
  }
}
