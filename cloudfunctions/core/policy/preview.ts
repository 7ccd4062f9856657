/**
 * The preview the mini-program shows before a buyer applies (and the check
 * apply itself runs): every refusal, the amounts computed from the order, who
 * pays return shipping, the deadline the merchant will have, and until when
 * the buyer may still apply. Pure.
 */
import { checkEligibility } from './eligibility';
import { supersededReturns } from './eligibility/rules/oneOpenPerLine';
import type { EligibilityContext } from './eligibility/context';
import { computeReturnAmounts } from './amounts';
import { freightPayer } from './reasons';
import { addHours } from './time';
import type { FreightPayer, Refusal, ReturnAmounts, ReturnLine } from './types';

export interface PreviewResult {
  eligible: boolean;
  refusals: Refusal[];
  /** Computed on the server from the order; null when not eligible. */
  amounts: ReturnAmounts | null;
  lines: ReturnLine[];
  freightPayer: FreightPayer;
  /** When the merchant must have reviewed it (PENDING_REVIEW deadline), if applied now. */
  deadline: Date | null;
  /** Until when this request could still be made (earliest applicable window). */
  windowEndsAt: Date | null;
  /** REJECTED after-sales of these lines that applying withdraws (see supersededReturns). */
  supersedes: string[];
}

export function previewReturn(ctx: EligibilityContext): PreviewResult {
  const verdict = checkEligibility(ctx);
  const computed = verdict.eligible
    ? computeReturnAmounts({
        order: ctx.order,
        lines: ctx.lines,
        reason: ctx.reason,
        priorReturns: ctx.priorReturns,
        excludeReturnId: ctx.excludeReturnId,
      })
    : null;
  return {
    eligible: verdict.eligible,
    refusals: verdict.refusals,
    amounts: computed?.amounts ?? null,
    lines: computed?.lines ?? [],
    freightPayer: freightPayer(ctx.reason),
    deadline: verdict.eligible ? addHours(ctx.now, ctx.policy.merchantReviewHours) : null,
    windowEndsAt: verdict.windowEndsAt,
    supersedes: verdict.eligible ? supersededReturns(ctx) : [],
  };
}
