/**
 * Splitting one refund across the order's payments (domain.md "Amounts"):
 * proportional to what each payment still has refundable, largest-remainder
 * rounding (ties: the earlier payment first), never more than a payment's
 * remaining amount. Invariant, per payment: Σ non-closed refunds ≤ amount.
 */
import type { Payment } from '../types';
import { isLive, type RefundStatus } from '../../machine/refundRecords';

export type RefundSplitErrorCode = 'REFUND_LIMIT' | 'AMOUNT_INVALID';

/**
 * Thrown by splitAcrossPayments. `code`:
 * - `AMOUNT_INVALID`: total is not a non-negative safe integer (fen);
 * - `REFUND_LIMIT`: total exceeds Σ remaining of the payments (`details`).
 * REFUND_LIMIT is also the api.md error code to return to the caller.
 */
export class RefundSplitError extends Error {
  readonly code: RefundSplitErrorCode;
  readonly details: { total: number; remaining: number };
  constructor(code: RefundSplitErrorCode, message: string, details: { total: number; remaining: number }) {
    super(message);
    this.name = 'RefundSplitError';
    this.code = code;
    this.details = details;
  }
}

export interface PaymentBalance {
  outTradeNo: string;
  amount: number;
  /** Σ non-closed refunds already made against it (see refundedPerPayment). */
  refunded: number;
}

export interface PaymentShare {
  outTradeNo: string;
  amount: number;
}

function remainingOf(p: PaymentBalance): number {
  const r = Math.floor(p.amount) - Math.ceil(p.refunded > 0 ? p.refunded : 0);
  return Number.isFinite(r) && r > 0 ? r : 0;
}

/**
 * Shares of `total` (fen) per payment, in payment order, zero shares omitted.
 * Σ shares === total; each share ≤ its payment's remaining (amount − refunded).
 * Throws RefundSplitError (AMOUNT_INVALID | REFUND_LIMIT).
 */
export function splitAcrossPayments(total: number, payments: readonly PaymentBalance[]): PaymentShare[] {
  const remaining = payments.map(remainingOf);
  const sum = remaining.reduce((s, r) => s + r, 0);
  if (typeof total !== 'number' || !Number.isSafeInteger(total) || total < 0) {
    throw new RefundSplitError('AMOUNT_INVALID', '退款金额无效', { total, remaining: sum });
  }
  if (total > sum) {
    throw new RefundSplitError('REFUND_LIMIT', '退款金额超过订单可退余额', { total, remaining: sum });
  }
  if (total === 0) return [];
  // Exact integer arithmetic: total * remaining_i may exceed 2^53.
  const T = BigInt(total);
  const S = BigInt(sum);
  const parts = remaining.map((r, i) => {
    const num = T * BigInt(r);
    return { i, base: num / S, rem: num % S };
  });
  let left = T - parts.reduce((s, p) => s + p.base, 0n);
  const order = [...parts].sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  const extra = new Array<bigint>(parts.length).fill(0n);
  // left < number of parts with rem > 0, so only payments with a fractional
  // share get +1, and floor(x) + 1 ≤ ceil(x) ≤ remaining_i.
  for (const p of order) {
    if (left <= 0n) break;
    if (p.rem === 0n) break;
    extra[p.i] = 1n;
    left -= 1n;
  }
  const out: PaymentShare[] = [];
  parts.forEach((p, i) => {
    const amount = Number(p.base + extra[i]);
    if (amount > 0) out.push({ outTradeNo: payments[i].outTradeNo, amount });
  });
  return out;
}

export interface RefundRecordLike {
  outTradeNo: string;
  refundFee: number;
  status: string;
}

/** Σ refundFee of the live refunds (machine/refundRecords.ts: all but CLOSED), per outTradeNo. */
export function refundedPerPayment(refunds: readonly RefundRecordLike[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of refunds) {
    if (!isLive(r.status as RefundStatus)) continue;
    out[r.outTradeNo] = (out[r.outTradeNo] ?? 0) + (Number.isFinite(r.refundFee) ? r.refundFee : 0);
  }
  return out;
}

/** The order's payments with what each already has refunded (non-closed refunds). */
export function paymentBalances(payments: readonly Pick<Payment, 'outTradeNo' | 'amount'>[], refunds: readonly RefundRecordLike[]): PaymentBalance[] {
  const refunded = refundedPerPayment(refunds);
  return payments.map((p) => ({ outTradeNo: p.outTradeNo, amount: p.amount, refunded: refunded[p.outTradeNo] ?? 0 }));
}
