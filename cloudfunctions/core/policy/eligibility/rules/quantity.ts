/**
 * Rule 3: per requested line, 1 ≤ quantity ≤ purchased − units held by other
 * after-sales (refunded, being refunded or open: everything but CANCELLED/CLOSED). The after-sale being modified does
 * not count against itself, nor does a REJECTED one a new application replaces
 * (isSupersedable). An empty request and duplicate lineIds are refused.
 */
import type { Refusal } from '../../types';
import { isRefundBound } from '../../../machine/statuses';
import { ELIGIBILITY_CODES as C, findOrderLine, holdsItsUnits, isSupersedable, priorReturns, refusal, requestedLines, unitsInReturn, type EligibilityContext } from '../context';

/** Units of the line already refunded or held by open after-sales (excluding ctx.excludeReturnId). */
export function unitsTaken(ctx: EligibilityContext, lineId: string): number {
  let taken = 0;
  for (const r of priorReturns(ctx)) {
    // Refunded (or being refunded) units count whatever excludeReturnId says: money went out for them.
    if (holdsItsUnits(r.status) && !isSupersedable(r) && (r.returnId !== ctx.excludeReturnId || isRefundBound(r.status))) taken += unitsInReturn(r, lineId);
  }
  return taken;
}

/** How many more units of the line may be requested now (never negative). */
export function availableUnits(ctx: EligibilityContext, lineId: string): number {
  const line = findOrderLine(ctx.order, lineId);
  if (!line) return 0;
  return Math.max(0, line.quantity - unitsTaken(ctx, lineId));
}

export function checkQuantity(ctx: EligibilityContext): Refusal[] {
  const lines = requestedLines(ctx);
  if (lines.length === 0) {
    return [refusal(C.LINES_EMPTY, '请至少选择一件要申请售后的商品')];
  }
  const out: Refusal[] = [];
  const seen = new Set<string>();
  const reportedDuplicate = new Set<string>();
  for (const req of lines) {
    const lineId = req?.lineId;
    if (typeof lineId !== 'string' || lineId === '') {
      out.push(refusal(C.LINE_NOT_FOUND, '所选商品不在该订单中，请重新选择'));
      continue;
    }
    if (seen.has(lineId)) {
      if (!reportedDuplicate.has(lineId)) {
        reportedDuplicate.add(lineId);
        out.push(refusal(C.LINE_DUPLICATE, '同一商品请只选择一次，并填写要申请的数量', lineId));
      }
      continue;
    }
    seen.add(lineId);
    const line = findOrderLine(ctx.order, lineId);
    if (!line) {
      out.push(refusal(C.LINE_NOT_FOUND, '所选商品不在该订单中，请重新选择', lineId));
      continue;
    }
    const q = req.quantity;
    if (typeof q !== 'number' || !Number.isInteger(q) || q < 1) {
      out.push(refusal(C.QUANTITY_INVALID, `「${line.title}」的申请数量须为不小于1的整数`, lineId));
      continue;
    }
    const available = availableUnits(ctx, lineId);
    if (q > available) {
      out.push(
        refusal(
          C.QUANTITY_EXCEEDED,
          available === 0 ? `「${line.title}」已没有可申请售后的数量（已退款或正在售后中）` : `「${line.title}」最多还可申请${available}件，请调整数量`,
          lineId,
        ),
      );
    }
  }
  return out;
}
