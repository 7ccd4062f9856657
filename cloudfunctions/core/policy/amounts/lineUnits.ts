/**
 * Per-line unit amounts (domain.md "Amounts"): the refund for k of the n units
 * of a line is floor(paidAmount * k / n), except that the request that brings
 * the line's counted units to n gets the remainder, so the amounts of a line's
 * units always sum exactly to its paidAmount.
 */
import type { OrderLine, PriorReturn, ReturnLine, ReturnStatus } from '../types';
import { AmountInputError, isNonNegativeInt } from './errors';
import { ALL_STATUSES, STATUSES } from '../../machine/statuses';

/**
 * Statuses whose after-sales the apply-time estimate leaves out: those that
 * released their units (CANCELLED, CLOSED) and those a new application
 * withdraws (REJECTED) — machine/statuses.ts. The refund itself is settled
 * later from the ledger (settle.ts).
 */
export const UNCOUNTED_STATUSES: readonly ReturnStatus[] = Object.freeze(ALL_STATUSES.filter((s) => !STATUSES[s].holdsUnits || STATUSES[s].withdrawnByReapply));

/**
 * The prior after-sales of an order whose units and amounts count: refunded,
 * being refunded or still open (anything but CANCELLED / CLOSED / REJECTED).
 * `excludeReturnId` leaves out the after-sale being modified / recomputed.
 */
export function countedPriorReturns<T extends Pick<PriorReturn, 'returnId' | 'status'>>(prior: readonly T[], excludeReturnId?: string): T[] {
  return prior.filter((r) => r.returnId !== excludeReturnId && !UNCOUNTED_STATUSES.includes(r.status));
}

/** Units and amount of one line already held by (counted) prior after-sales. */
export function lineAlready(counted: readonly { lines: readonly ReturnLine[] }[], lineId: string): { units: number; amount: number } {
  let units = 0;
  let amount = 0;
  for (const r of counted) {
    for (const l of r.lines) {
      if (l.lineId !== lineId) continue;
      units += l.quantity;
      amount += l.amount;
    }
  }
  return { units, amount };
}

/**
 * Refund (fen) for `quantity` more units of `line`, given the units and amount
 * of the line already held by counted prior after-sales.
 * Throws AmountInputError when quantity < 1, the units would exceed the line's
 * quantity, or an input is not a non-negative integer (eligibility rule 3 must
 * have refused such a request first).
 */
export function lineRefundAmount(line: OrderLine, quantity: number, alreadyUnits: number, alreadyAmount: number): number {
  const n = line.quantity;
  const paid = line.paidAmount;
  if (!isNonNegativeInt(n) || n < 1) throw new AmountInputError(`line ${line.lineId}: quantity ${n} is not a positive integer`);
  if (!isNonNegativeInt(paid)) throw new AmountInputError(`line ${line.lineId}: paidAmount ${paid} is not a non-negative integer`);
  if (!isNonNegativeInt(quantity) || quantity < 1) throw new AmountInputError(`line ${line.lineId}: requested quantity ${quantity} is not a positive integer`);
  if (!isNonNegativeInt(alreadyUnits) || !isNonNegativeInt(alreadyAmount)) {
    throw new AmountInputError(`line ${line.lineId}: already-returned units/amount must be non-negative integers`);
  }
  if (alreadyUnits + quantity > n) {
    throw new AmountInputError(`line ${line.lineId}: ${alreadyUnits} + ${quantity} units exceed the ${n} purchased`);
  }
  if (alreadyUnits + quantity === n) {
    // The completing request takes the remainder. Clamped to [0, paid] so that
    // inconsistent stored data can never produce a negative or inflated refund.
    return Math.min(paid, Math.max(0, paid - alreadyAmount));
  }
  // paid * quantity stays far below 2^53 for any realistic line (fen).
  // With consistent prior amounts, floor(paid*k/n) <= paid - alreadyAmount
  // always holds; the clamp only guards against inconsistent stored data.
  return Math.max(0, Math.min(Math.floor((paid * quantity) / n), paid - alreadyAmount));
}
