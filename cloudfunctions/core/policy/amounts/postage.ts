/**
 * Return postage (domain.md "Freight"): for a seller-side reason, when the
 * buyer ships the goods back (SELF_SHIP), the postage declared at
 * submitLogistics is reimbursed, capped at `policy.returnShippingCap`.
 * Buyer-side reasons and pickups (free to the buyer) reimburse nothing.
 */
import type { Order, Policy, PriorReturn, ReasonCode, ReturnAmounts, ReturnLine, ReturnStatus } from '../types';
import { reasonSide } from '../reasons';
import { countedPriorReturns, lineAlready } from './lineUnits';
import { isUnshipped } from './shippingFee';
import { REFUND_BOUND_STATUSES } from '../../machine/statuses';

export type LogisticsMode = 'SELF_SHIP' | 'PICKUP';

export interface PostageInput {
  reason: ReasonCode;
  /** How the goods travel back; undefined (no logistics yet) ⇒ 0. */
  mode?: LogisticsMode;
  /** Postage the buyer declared (fen). Missing / non-finite / negative ⇒ 0; fractions are floored. */
  declared?: number;
  policy: Pick<Policy, 'returnShippingCap'>;
}

function toFen(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/** Reimbursed return postage (fen, integer ≥ 0). */
export function reimbursedPostage(input: PostageInput): number {
  if (reasonSide(input.reason) !== 'SELLER') return 0;
  if (input.mode !== 'SELF_SHIP') return 0;
  return Math.min(toFen(input.declared), toFen(input.policy.returnShippingCap));
}

export interface PostageRoomInput {
  order: Pick<Order, 'status' | 'shippedAt' | 'shippingFee' | 'lines' | 'payments'>;
  /** All after-sales of the order; only counted ones matter (see countedPriorReturns). */
  priorReturns: readonly PriorReturn[];
  /** The after-sale the postage is for (left out of the priors). */
  excludeReturnId?: string;
  /** This after-sale's lines and amounts before postage. */
  lines: readonly ReturnLine[];
  amounts: Pick<ReturnAmounts, 'items' | 'shipping'>;
}

const IRREVERSIBLE: readonly ReturnStatus[] = REFUND_BOUND_STATUSES;

/**
 * How much postage can still go back through the original payments without
 * ever starving a later refund (fen, ≥ 0). Refunds go only to the original
 * transactions and Σ payments = Σ paidAmount + shippingFee, so postage fits
 * only into what will never be needed otherwise:
 *   Σ payments − obligations of counted priors (refundTotal, else lines +
 *   shipping) − this request (items + shipping) − paidAmount of units not yet
 *   held by any after-sale − the shipping fee while it may still be refunded.
 * In practice the room comes from amounts the merchant lowered and from a
 * shipping fee that can no longer be refunded. Reimburse
 * `min(reimbursedPostage(..), postageRoom(..))`; the rest must be settled
 * outside the payment platform (the function records it, see report).
 */
export function postageRoom(input: PostageRoomInput): number {
  const { order, priorReturns, excludeReturnId, lines, amounts } = input;
  const counted = countedPriorReturns(priorReturns, excludeReturnId);
  const paid = order.payments.reduce((s, p) => s + p.amount, 0);
  let obligations = amounts.items + amounts.shipping;
  let shippingHeld = amounts.shipping > 0;
  for (const r of counted) {
    const own = r.lines.reduce((s, l) => s + l.amount, 0) + (r.shippingRefunded ?? 0);
    obligations += r.refundTotal ?? own;
    if ((r.shippingRefunded ?? 0) > 0) shippingHeld = true;
  }
  let unheld = 0;
  for (const line of order.lines) {
    const held = lineAlready([...counted, { lines }], line.lineId);
    if (held.units < line.quantity) unheld += Math.max(0, line.paidAmount - held.amount);
  }
  // The fee stays reserved unless some return already carries it, or it can no
  // longer be refunded: shipped order and an irreversible buyer-side return.
  const feeLost = !isUnshipped(order) && counted.some((r) => IRREVERSIBLE.includes(r.status) && reasonSide(r.reason) === 'BUYER');
  const feeReserve = shippingHeld || feeLost ? 0 : Math.max(0, order.shippingFee);
  return Math.max(0, paid - obligations - unheld - feeReserve);
}
