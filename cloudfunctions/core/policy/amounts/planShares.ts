/**
 * The refund records a settled refund needs, planned with the settlement (so
 * the settlement's ledger claim also reserves them): what is still missing of
 * the target, split across the order's payments by what each has left once
 * every live record AND every share another after-sale planned but has not
 * stored yet are taken off. Each share gets its out_refund_no now
 * (`<returnId>-<n>`, after the after-sale's highest), so whoever stores it
 * stores the same record. Pure; throws RefundSplitError (REFUND_LIMIT) when
 * the payments cannot carry it.
 */
import type { Payment } from '../types';
import { isLive, type RefundStatus } from '../../machine/refundRecords';
import { paymentBalances, splitAcrossPayments, type RefundRecordLike } from './splitPayments';

export interface PlannedShare {
  outRefundNo: string;
  outTradeNo: string;
  amount: number;
}

export interface PlanSharesInput {
  returnId: string;
  /** What goes back through the payments (the settled plan's target). */
  target: number;
  payments: readonly Pick<Payment, 'outTradeNo' | 'amount'>[];
  /** Every refund record of the order. */
  records: readonly (RefundRecordLike & { _id: string; returnId: string })[];
  /**
   * The records this after-sale names (its refundIds). One of its own it does
   * not name was stored by a settlement of it that never committed: it covers
   * nothing and holds no balance (it is never sent; the sweep closes it).
   */
  named: readonly string[];
  /** The shares other after-sales of the order planned (their ledger entries). */
  planned: readonly PlannedShare[];
}

const seqOf = (id: string): number => Number(id.split('-').pop()) || 0;

export function planShares(input: PlanSharesInput): PlannedShare[] {
  const stored = new Set(input.records.map((r) => r._id));
  const named = new Set(input.named);
  const mine = input.records.filter((r) => r.returnId === input.returnId);
  const dead = (r: { _id: string; returnId: string }) => r.returnId === input.returnId && !named.has(r._id);
  const covered = mine.filter((r) => !dead(r) && isLive(r.status as RefundStatus)).reduce((s, r) => s + r.refundFee, 0);
  const missing = input.target - covered;
  if (missing <= 0) return [];
  // A share planned but not stored yet holds its payment's balance like a live record.
  const reserved = input.planned.filter((s) => !stored.has(s.outRefundNo)).map((s) => ({ outTradeNo: s.outTradeNo, refundFee: s.amount, status: 'CREATED' }));
  const balances = paymentBalances(input.payments, [...input.records.filter((r) => !dead(r)), ...reserved]);
  let seq = mine.reduce((m, r) => Math.max(m, seqOf(r._id)), 0);
  return splitAcrossPayments(missing, balances).map((share) => ({ outRefundNo: `${input.returnId}-${++seq}`, outTradeNo: share.outTradeNo, amount: share.amount }));
}
