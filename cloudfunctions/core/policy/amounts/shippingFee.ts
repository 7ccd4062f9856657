/**
 * Outbound shipping fee (domain.md "Freight"): refunded only when the whole
 * order is refunded before shipment, or when every line is returned for a
 * seller-side reason. Only the request that completes the coverage of every
 * unit of every line gets it, and never twice.
 */
import type { Order, PriorReturn, ReasonCode, RequestedLine } from '../types';
import { reasonSide } from '../reasons';
import { countedPriorReturns } from './lineUnits';

/** The order has not left the warehouse: no shippedAt and status PAID. */
export function isUnshipped(order: Pick<Order, 'status' | 'shippedAt'>): boolean {
  return order.status === 'PAID' && !order.shippedAt;
}

function unitsByLine(returns: readonly { lines: readonly RequestedLine[] }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of returns) for (const l of r.lines) m.set(l.lineId, (m.get(l.lineId) ?? 0) + l.quantity);
  return m;
}

function coversAll(order: Pick<Order, 'lines'>, units: Map<string, number>): boolean {
  return order.lines.every((l) => (units.get(l.lineId) ?? 0) >= l.quantity);
}

export interface ShippingRefundInput {
  order: Pick<Order, 'status' | 'shippedAt' | 'shippingFee' | 'lines'>;
  /** The lines of this request. */
  lines: readonly RequestedLine[];
  reason: ReasonCode;
  /** All after-sales of the order; only the counted ones matter (see countedPriorReturns). */
  priorReturns: readonly PriorReturn[];
  /** The after-sale being modified, left out of the priors. */
  excludeReturnId?: string;
}

/**
 * Outbound shipping fee (fen) refunded with this request: `order.shippingFee`
 * when this request completes the coverage of every unit of every line and
 * either (a) the order is unshipped, or (b) this request and all counted priors
 * have seller-side reasons; 0 otherwise, and 0 when a counted prior already
 * carries the shipping fee (`shippingRefunded > 0`) or the priors alone already
 * covered everything.
 */
export function shippingRefund(input: ShippingRefundInput): number {
  const { order, lines, reason, priorReturns, excludeReturnId } = input;
  const fee = order.shippingFee;
  if (!(typeof fee === 'number' && Number.isSafeInteger(fee) && fee > 0)) return 0;
  const counted = countedPriorReturns(priorReturns, excludeReturnId);
  if (counted.some((r) => (r.shippingRefunded ?? 0) > 0)) return 0;
  const priorUnits = unitsByLine(counted);
  if (coversAll(order, priorUnits)) return 0; // not this request that completes it
  const allUnits = unitsByLine([...counted, { lines }]);
  if (!coversAll(order, allUnits)) return 0;
  if (isUnshipped(order)) return fee;
  const allSellerSide = reasonSide(reason) === 'SELLER' && counted.every((r) => reasonSide(r.reason) === 'SELLER');
  return allSellerSide ? fee : 0;
}
