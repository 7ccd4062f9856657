/**
 * Rule 4a: one open (non-terminal) after-sale per line at a time. The
 * after-sale being modified (ctx.excludeReturnId) does not block itself.
 * A REJECTED one whose goods were never sent is replaced by a new application
 * (supersededReturns); one whose goods were sent back and refused still holds
 * the line (the buyer may modify and resubmit it, or appeal).
 */
import type { PriorReturn, Refusal } from '../../types';
import { STATUSES } from '../../../machine/statuses';
import { ELIGIBILITY_CODES as C, isOpenReturn, isSupersedable, priorReturns, refusal, returnContainsLine, uniqueRequestedLineIds, type EligibilityContext } from '../context';

/** The open after-sale (other than the one being modified) holding the line, if any; one a new application supersedes does not count. */
export function openReturnForLine(ctx: EligibilityContext, lineId: string): PriorReturn | undefined {
  return priorReturns(ctx).find((r) => isOpenReturn(r.status) && !isSupersedable(r) && r.returnId !== ctx.excludeReturnId && returnContainsLine(r, lineId));
}

/**
 * The REJECTED after-sales (never shipped) holding requested lines: applying
 * anew withdraws them first (domain.md: in REJECTED the buyer may modify,
 * re-apply or appeal), so a line never has two open after-sales.
 */
export function supersededReturns(ctx: EligibilityContext): string[] {
  const ids = new Set<string>();
  for (const lineId of uniqueRequestedLineIds(ctx)) {
    for (const r of priorReturns(ctx)) {
      if (isSupersedable(r) && r.returnId !== ctx.excludeReturnId && returnContainsLine(r, lineId)) ids.add(r.returnId);
    }
  }
  return [...ids];
}

export function checkOneOpenPerLine(ctx: EligibilityContext): Refusal[] {
  const out: Refusal[] = [];
  for (const lineId of uniqueRequestedLineIds(ctx)) {
    const open = openReturnForLine(ctx, lineId);
    if (open) {
      out.push(
        refusal(
          C.RETURN_ALREADY_OPEN,
          STATUSES[open.status].withdrawnByReapply
            ? `该商品的售后申请（${open.returnId}）已被商家拒绝，请在原申请中修改后重新提交，或申请店铺主管复核`
            : `该商品已有进行中的售后申请（${open.returnId}），请等待处理完成后再申请，或修改原申请`,
          lineId,
        ),
      );
    }
  }
  return out;
}
