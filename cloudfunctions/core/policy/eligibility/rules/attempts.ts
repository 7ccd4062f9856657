/**
 * Rule 4b: at most policy.maxAttemptsPerLine applications + modifications per
 * line. Every prior after-sale containing the line counts its `attempts`
 * (default 1), whatever its status; this application (or modification, when
 * ctx.excludeReturnId is set — the modified after-sale's own attempts still
 * count) adds 1.
 */
import type { PriorReturn, Refusal } from '../../types';
import { ELIGIBILITY_CODES as C, priorReturns, refusal, returnContainsLine, uniqueRequestedLineIds, type EligibilityContext } from '../context';

function attemptsOf(r: PriorReturn): number {
  const a = r.attempts;
  return typeof a === 'number' && Number.isFinite(a) && a >= 0 ? a : 1;
}

/** Attempts already used on the line (before this application / modification). */
export function attemptsUsed(ctx: EligibilityContext, lineId: string): number {
  let used = 0;
  for (const r of priorReturns(ctx)) if (returnContainsLine(r, lineId)) used += attemptsOf(r);
  return used;
}

export function checkAttempts(ctx: EligibilityContext): Refusal[] {
  const max = ctx.policy.maxAttemptsPerLine;
  const out: Refusal[] = [];
  for (const lineId of uniqueRequestedLineIds(ctx)) {
    if (attemptsUsed(ctx, lineId) + 1 > max) {
      out.push(refusal(C.ATTEMPTS_EXCEEDED, `该商品的售后申请及修改次数已达上限（${max}次），如仍有问题请联系商家`, lineId));
    }
  }
  return out;
}
