/**
 * Server-side amounts of one after-sale request (domain.md "Amounts"): per-line
 * amounts (lineUnits.ts), the outbound shipping fee when due (shippingFee.ts),
 * items = Σ line amounts, total = items + shipping. Return postage is added
 * later, at confirmReceipt (see addPostage / postage.ts).
 */
import type { Order, PriorReturn, ReasonCode, RequestedLine, ReturnAmounts, ReturnLine } from '../types';
import { AmountInputError } from './errors';
import { countedPriorReturns, lineAlready, lineRefundAmount } from './lineUnits';
import { shippingRefund } from './shippingFee';

export interface ComputeReturnAmountsInput {
  order: Pick<Order, 'status' | 'shippedAt' | 'shippingFee' | 'lines'>;
  lines: readonly RequestedLine[];
  reason: ReasonCode;
  /** All after-sales of the order (any status); only counted ones matter. */
  priorReturns: readonly PriorReturn[];
  /** The after-sale being modified: its own lines are not "prior". */
  excludeReturnId?: string;
}

export interface ComputedReturnAmounts {
  lines: ReturnLine[];
  amounts: ReturnAmounts;
}

/**
 * Requested lines with the same lineId are merged (first occurrence keeps its
 * place). Throws AmountInputError for an unknown lineId or a quantity that
 * eligibility rule 3 must have refused (< 1, or more than what is left).
 */
export function computeReturnAmounts(input: ComputeReturnAmountsInput): ComputedReturnAmounts {
  const { order, reason, priorReturns, excludeReturnId } = input;
  const merged = mergeLines(input.lines);
  const counted = countedPriorReturns(priorReturns, excludeReturnId);
  const lines: ReturnLine[] = merged.map((req) => {
    const line = order.lines.find((l) => l.lineId === req.lineId);
    if (!line) throw new AmountInputError(`unknown lineId ${req.lineId}`);
    const already = lineAlready(counted, req.lineId);
    return { lineId: req.lineId, quantity: req.quantity, amount: lineRefundAmount(line, req.quantity, already.units, already.amount) };
  });
  const items = lines.reduce((s, l) => s + l.amount, 0);
  const shipping = shippingRefund({ order, lines: merged, reason, priorReturns, excludeReturnId });
  return { lines, amounts: { items, shipping, total: items + shipping } };
}

/** Same amounts with the reimbursed return postage added (postage is an integer ≥ 0; see reimbursedPostage). */
export function addPostage(amounts: ReturnAmounts, postage: number): ReturnAmounts {
  const p = Number.isFinite(postage) && postage > 0 ? Math.floor(postage) : 0;
  return { items: amounts.items, shipping: amounts.shipping, postage: p, total: amounts.items + amounts.shipping + p };
}

export function mergeLines(lines: readonly RequestedLine[]): RequestedLine[] {
  const out: RequestedLine[] = [];
  for (const l of lines) {
    const existing = out.find((o) => o.lineId === l.lineId);
    if (existing) existing.quantity += l.quantity;
    else out.push({ lineId: l.lineId, quantity: l.quantity });
  }
  return out;
}
