/**
 * Settling a refund (domain.md "Amounts" and "Freight"): the amounts an
 * after-sale's refund carries are decided when the refund is planned (the
 * transition that enters REFUNDING), from the order's ledger at that moment —
 * never frozen at apply time. Pure.
 *
 * - Lines: k of n units of a line = floor(paidAmount·k/n); the refund that
 *   brings the line's refunded units to n takes the remainder. "Refunded"
 *   counts only after-sales whose refund was settled (refundPlan), never ones
 *   that were cancelled, closed or withdrawn.
 * - Outbound shipping fee: only in the refund that completes the refund of
 *   every unit of the order, and only when the order is still unshipped or
 *   every one of those refunds has a seller-side reason; at most once.
 * - Return postage: only when the buyer paid the carrier in this after-sale
 *   (SELF_SHIP, seller-side reason, never a pickup the merchant paid for),
 *   capped at returnShippingCap, and only as far as the payments can carry it
 *   without starving a later refund; the rest is owed offline.
 * - A merchant's lowered amount comes out of the offline part first.
 */
import type { Order, Policy, PriorReturn, ReasonCode, ReturnLine, ReturnType } from '../types';
import { reasonSide } from '../reasons';
import { isUnshipped } from './shippingFee';
import { lineRefundAmount } from './lineUnits';
import { reimbursedPostage, type LogisticsMode } from './postage';
import { adjustRefundAmount, type AdjustErrorCode } from './adjust';

export interface RefundPlan {
  lines: ReturnLine[];
  items: number;
  shipping: number;
  /** Return postage that goes back through the payment. */
  postage: number;
  /** items + shipping + postage: the most that may go back through the payment. */
  total: number;
  /** What goes back through the payment (≤ total; lower when the merchant lowered the amount). */
  target: number;
  /** Owed outside the payment platform (postage the payments cannot carry, minus any lowering). */
  offline: number;
  /** The merchant lowered the amount (a reason is on the timeline). */
  lowered: boolean;
  at: Date;
}

/** A settled after-sale as the ledger knows it. */
export type SettledEntry = Pick<PriorReturn, 'returnId' | 'status' | 'reason' | 'lines'> & { refundPlan?: RefundPlan | null };

export interface SettleInput {
  order: Pick<Order, 'status' | 'shippedAt' | 'shippingFee' | 'lines' | 'payments'>;
  /** Every after-sale of the order in the ledger (only settled ones count). */
  entries: readonly SettledEntry[];
  self: {
    returnId: string;
    type: ReturnType;
    reason: ReasonCode;
    lines: readonly { lineId: string; quantity: number }[];
    /** How the goods came back: the postage claim counts only for a self-shipped return that never had a pickup. */
    logistics?: { mode: LogisticsMode; postage?: number } | null;
    pickupEver?: boolean;
  };
  /** The amount the merchant grants (undefined = the maximum). */
  requested?: number;
  policy: Pick<Policy, 'returnShippingCap'>;
  now: Date;
}

export type SettleRefusalCode = 'UNITS_TAKEN' | 'LINE_NOT_FOUND' | AdjustErrorCode;

export type SettleResult = { ok: true; plan: RefundPlan; maximum: number } | { ok: false; code: SettleRefusalCode; message: string; lineId?: string; maximum?: number };

/** The after-sales whose refund was settled, other than `returnId`. */
export function settledOthers(entries: readonly SettledEntry[], returnId: string): (SettledEntry & { refundPlan: RefundPlan })[] {
  return entries.filter((e): e is SettledEntry & { refundPlan: RefundPlan } => e.returnId !== returnId && !!e.refundPlan);
}

function plannedOfLine(others: readonly { refundPlan: RefundPlan }[], lineId: string): { units: number; amount: number } {
  let units = 0;
  let amount = 0;
  for (const o of others) {
    for (const l of o.refundPlan.lines) {
      if (l.lineId !== lineId) continue;
      units += l.quantity;
      amount += l.amount;
    }
  }
  return { units, amount };
}

export function settleRefund(input: SettleInput): SettleResult {
  const { order, self, policy } = input;
  const others = settledOthers(input.entries, self.returnId);

  // Lines: what is left of each line after the settled refunds of other after-sales.
  const lines: ReturnLine[] = [];
  for (const req of self.lines) {
    const line = order.lines.find((l) => l.lineId === req.lineId);
    if (!line) return { ok: false, code: 'LINE_NOT_FOUND', message: '售后商品不在该订单中', lineId: req.lineId };
    const already = plannedOfLine(others, req.lineId);
    if (already.units + req.quantity > line.quantity) {
      return { ok: false, code: 'UNITS_TAKEN', message: `「${line.title}」已有 ${already.units} 件退款，不能再为 ${req.quantity} 件退款`, lineId: req.lineId };
    }
    lines.push({ lineId: req.lineId, quantity: req.quantity, amount: lineRefundAmount(line, req.quantity, already.units, already.amount) });
  }
  const items = lines.reduce((s, l) => s + l.amount, 0);

  // Outbound shipping: only the refund that completes the refund of every unit of the order.
  const fee = Number.isSafeInteger(order.shippingFee) && order.shippingFee > 0 ? order.shippingFee : 0;
  const feeTaken = others.some((o) => o.refundPlan.shipping > 0);
  const completes = order.lines.every((l) => {
    const own = lines.filter((m) => m.lineId === l.lineId).reduce((s, m) => s + m.quantity, 0);
    return plannedOfLine(others, l.lineId).units + own >= l.quantity;
  });
  const allSeller = reasonSide(self.reason) === 'SELLER' && others.every((o) => reasonSide(o.reason) === 'SELLER');
  const shipping = fee && !feeTaken && completes && (isUnshipped(order) || allSeller) ? fee : 0;

  // Return postage: only for goods the buyer shipped at their own cost, as far as the payments can carry it.
  const claimed =
    self.logistics?.mode === 'SELF_SHIP' && !self.pickupEver ? reimbursedPostage({ reason: self.reason, mode: 'SELF_SHIP', declared: self.logistics.postage, policy }) : 0;
  let postage = 0;
  if (claimed > 0) {
    const paid = order.payments.reduce((s, p) => s + p.amount, 0);
    const othersTargets = others.reduce((s, o) => s + o.refundPlan.target, 0);
    // Still refundable later: every unit not settled by anyone, and the fee while it can still be refunded.
    let unsettled = 0;
    for (const l of order.lines) {
      const planned = plannedOfLine(others, l.lineId).amount + lines.filter((m) => m.lineId === l.lineId).reduce((s, m) => s + m.amount, 0);
      unsettled += Math.max(0, l.paidAmount - planned);
    }
    const feeLost = !isUnshipped(order) && [...others.map((o) => o.reason), self.reason].some((r) => reasonSide(r) === 'BUYER');
    const feeReserve = feeTaken || shipping > 0 || feeLost ? 0 : fee;
    const room = Math.max(0, paid - othersTargets - items - shipping - unsettled - feeReserve);
    postage = Math.min(claimed, room);
  }
  const total = items + shipping + postage;
  const owedOffline = claimed - postage;
  const maximum = total + owedOffline;

  const adjusted = adjustRefundAmount(self.type, maximum, input.requested);
  if (!adjusted.ok) return { ok: false, code: adjusted.code, message: adjusted.message, maximum };
  const target = Math.min(adjusted.amount, total);
  const offline = adjusted.amount - target;
  return { ok: true, maximum, plan: { lines, items, shipping, postage, total, target, offline, lowered: adjusted.lowered, at: input.now } };
}
