/**
 * The order's after-sale ledger, kept on the order document so that one read
 * of the order is all that eligibility and amounts need:
 * - `afterSale[lineId] = { returnId, status, version }` — the summary api.md
 *   asks for (latest after-sale per line), for the shop's own order pages;
 * - `afterSaleReturns[returnId]` — every after-sale of the order as a
 *   PriorReturn (lines, amounts, status, attempts), the policy's input;
 * - `afterSaleRev` — compare-and-set counter of claims: apply and modify change
 *   which units are held, so they write the ledger only if it did not move.
 * Status-only updates after a transition are monotonic on the return's version.
 */
import type { Order, PriorReturn, ReturnStatus } from '../policy/types';
import { toDate } from '../policy/time';
import { command, database, findMany } from '../data/db';
import { C } from '../data/collections';
import type { ReturnDoc } from './model';

export interface LedgerEntry extends PriorReturn {
  version: number;
  applyKey: string;
  createdAt: Date;
}

export interface OrderDoc extends Order {
  afterSaleRev?: number;
  afterSaleReturns?: Record<string, LedgerEntry>;
}

export function priorReturns(order: OrderDoc): LedgerEntry[] {
  return Object.values(order.afterSaleReturns ?? {});
}

export function ledgerEntry(ret: Pick<ReturnDoc, '_id' | 'status' | 'type' | 'reason' | 'lines' | 'attempts' | 'version' | 'applyKey' | 'createdAt' | 'amounts' | 'approvedAmount' | 'logistics'>): LedgerEntry {
  return {
    returnId: ret._id,
    status: ret.status,
    type: ret.type,
    reason: ret.reason,
    lines: ret.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity, amount: l.amount })),
    attempts: ret.attempts,
    shippingRefunded: ret.amounts?.shipping ?? 0,
    refundTotal: typeof ret.approvedAmount === 'number' ? ret.approvedAmount : ret.amounts?.total ?? 0,
    shipped: !!ret.logistics,
    version: ret.version,
    applyKey: ret.applyKey,
    createdAt: ret.createdAt,
  };
}

/** Match of the claims compare-and-set: the ledger did not move since it was read. */
export function ledgerUnchanged(order: OrderDoc): Record<string, unknown> {
  const _ = command();
  return { _id: order._id, afterSaleRev: order.afterSaleRev ? order.afterSaleRev : _.exists(false) };
}

/** Fields that write one after-sale into the ledger and the per-line summary. */
export function ledgerFields(ret: ReturnDoc, status: ReturnStatus = ret.status): Record<string, unknown> {
  const _ = command();
  const entry = { ...ledgerEntry(ret), status };
  const data: Record<string, unknown> = { [`afterSaleReturns.${ret._id}`]: _.set(entry) };
  for (const l of ret.lines) {
    data[`afterSale.${l.lineId}`] = _.set({ returnId: ret._id, status, version: ret.version });
  }
  return data;
}

/**
 * Per-line summaries of lines `returnId` no longer holds (a modify moved it to
 * other lines): each goes back to the latest other after-sale of that line, or
 * is removed when there is none.
 */
export function releasedLineFields(order: OrderDoc, returnId: string, previous: { lineId: string }[], kept: { lineId: string }[]): Record<string, unknown> {
  const _ = command();
  const keep = new Set(kept.map((l) => l.lineId));
  const data: Record<string, unknown> = {};
  for (const { lineId } of previous) {
    if (keep.has(lineId)) continue;
    const latest = priorReturns(order)
      .filter((p) => p.returnId !== returnId && p.lines.some((l) => l.lineId === lineId))
      .sort((a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime())[0];
    data[`afterSale.${lineId}`] = latest ? _.set({ returnId: latest.returnId, status: latest.status, version: latest.version }) : _.remove();
  }
  return data;
}

/**
 * After a transition of `ret` (already stored): mirror its status into the
 * order. Monotonic: a late write of an older version changes nothing.
 */
export async function mirrorToOrder(ret: ReturnDoc): Promise<void> {
  const _ = command();
  await database()
    .collection(C.orders)
    // An after-sale the ledger does not list yet (see withUnledgered) is written in whole.
    .where({ _id: ret.orderId, [`afterSaleReturns.${ret._id}.version`]: _.or(_.exists(false), _.lt(ret.version)) })
    .update({ data: ledgerFields(ret) });
}

/** Dates inside a freshly read order come back as Date already; normalise defensively. */
export function normaliseOrder(raw: Record<string, any>): OrderDoc {
  const order = raw as OrderDoc;
  order.paidAt = toDate(order.paidAt) as Date;
  if (order.shippedAt) order.shippedAt = toDate(order.shippedAt);
  if (order.receivedAt) order.receivedAt = toDate(order.receivedAt);
  order.payments = (order.payments ?? []).map((p) => ({ ...p, paidAt: toDate(p.paidAt) ?? order.paidAt }));
  order.lines = (order.lines ?? []).map((l) => (l.waiverConfirmedAt ? { ...l, waiverConfirmedAt: toDate(l.waiverConfirmedAt) } : l));
  return order;
}

/**
 * After-sales the per-line summary names but the ledger does not list (orders
 * written by the shop or a migration in api.md's shape: `afterSale[lineId] =
 * { returnId, status }` only). They are read from `returns` — one request, only
 * when there are such — and put into the ledger in memory, so eligibility and
 * amounts count them. One that cannot be found counts as holding the whole
 * line in the summary's status: nothing is refunded twice on a guess.
 */
export async function withUnledgered(order: OrderDoc): Promise<OrderDoc> {
  const known = order.afterSaleReturns ?? {};
  const summary = (order as { afterSale?: Record<string, { returnId?: string; status?: ReturnStatus }> }).afterSale ?? {};
  const missing = new Map<string, { lineId: string; status?: ReturnStatus }[]>();
  for (const [lineId, s] of Object.entries(summary)) {
    if (!s?.returnId || known[s.returnId]) continue;
    missing.set(s.returnId, [...(missing.get(s.returnId) ?? []), { lineId, status: s.status }]);
  }
  if (!missing.size) return order;
  const found = await findMany<ReturnDoc>(C.returns, { _id: command().in([...missing.keys()]), orderId: order._id }, { limit: missing.size });
  const entries: Record<string, LedgerEntry> = { ...known };
  for (const ret of found) entries[ret._id] = ledgerEntry({ ...ret, createdAt: toDate(ret.createdAt) as Date });
  for (const [returnId, lines] of missing) {
    if (entries[returnId]) continue;
    const held = lines.map(({ lineId }) => order.lines.find((l) => l.lineId === lineId)).filter((l): l is NonNullable<typeof l> => !!l);
    entries[returnId] = {
      returnId,
      status: lines[0].status ?? 'PENDING_REVIEW',
      type: 'RETURN_REFUND',
      reason: 'OTHER',
      lines: held.map((l) => ({ lineId: l.lineId, quantity: l.quantity, amount: l.paidAmount })),
      attempts: 1,
      refundTotal: held.reduce((sum, l) => sum + l.paidAmount, 0),
      shippingRefunded: 0,
      version: 0,
      applyKey: '',
      createdAt: new Date(0),
    };
  }
  return { ...order, afterSaleReturns: entries };
}
