/**
 * Eligibility (domain.md "Eligibility", rules 1–8 plus reason/evidence): a pure
 * function shared by the cloud functions and the preview. Every rule runs and
 * every refusal is reported, in rule order then request line order — except
 * that a caller who does not own the order gets only NOT_ORDER_OWNER (nothing
 * about the order leaks to a non-owner).
 */
import type { Refusal } from '../types';
import { ELIGIBILITY_CODES, reasonInfo, type EligibilityContext, type EligibilityRule } from './context';
import { checkPaidAndOwner } from './rules/paidAndOwner';
import { checkTypeForShipping } from './rules/typeForShipping';
import { checkQuantity } from './rules/quantity';
import { checkOneOpenPerLine } from './rules/oneOpenPerLine';
import { checkAttempts } from './rules/attempts';
import { checkNoReasonWindow, noReasonWindowEndsAt } from './rules/noReasonWindow';
import { checkQualityWindow, qualityWindowEndsAt } from './rules/qualityWindow';
import { checkNoReasonExemption } from './rules/noReasonExemption';
import { checkPaymentWindow, paymentWindowEndsAt } from './rules/paymentWindow';
import { checkEvidence } from './rules/evidence';
import { checkExchangeReason } from './rules/exchangeReason';
import { checkReplacement } from './rules/replacement';

export interface NamedEligibilityRule {
  name: string;
  check: EligibilityRule;
}

/** The rules, in the order their refusals are reported. */
export const ELIGIBILITY_RULES: ReadonlyArray<NamedEligibilityRule> = Object.freeze([
  { name: 'paidAndOwner', check: checkPaidAndOwner },
  { name: 'typeForShipping', check: checkTypeForShipping },
  { name: 'quantity', check: checkQuantity },
  { name: 'oneOpenPerLine', check: checkOneOpenPerLine },
  { name: 'attempts', check: checkAttempts },
  { name: 'noReasonWindow', check: checkNoReasonWindow },
  { name: 'qualityWindow', check: checkQualityWindow },
  { name: 'noReasonExemption', check: checkNoReasonExemption },
  { name: 'paymentWindow', check: checkPaymentWindow },
  { name: 'evidence', check: checkEvidence },
  { name: 'exchangeReason', check: checkExchangeReason },
  { name: 'replacement', check: checkReplacement },
]);

export interface EligibilityResult {
  eligible: boolean;
  refusals: Refusal[];
  /**
   * Last instant an application on these terms is accepted: the earlier of the
   * reason's window (no-reason window for buyer-side reasons, quality window for
   * seller-side ones; none while not yet received) and the payment platform's
   * refund window. Null when no window applies (or for a non-owner).
   */
  windowEndsAt: Date | null;
}

/** The earlier of the window ends that apply to ctx.reason (see EligibilityResult.windowEndsAt). */
export function applicationWindowEndsAt(ctx: EligibilityContext): Date | null {
  const side = reasonInfo(ctx.reason)?.side;
  const reasonEnd = side === 'BUYER' ? noReasonWindowEndsAt(ctx) : side === 'SELLER' ? qualityWindowEndsAt(ctx) : null;
  const ends = [reasonEnd, paymentWindowEndsAt(ctx)].filter((d): d is Date => d !== null);
  if (ends.length === 0) return null;
  return new Date(Math.min(...ends.map((d) => d.getTime())));
}

export function checkEligibility(ctx: EligibilityContext): EligibilityResult {
  const refusals: Refusal[] = [];
  for (const rule of ELIGIBILITY_RULES) {
    const found = rule.check(ctx);
    if (found.some((r) => r.code === ELIGIBILITY_CODES.NOT_ORDER_OWNER)) {
      return { eligible: false, refusals: found, windowEndsAt: null };
    }
    refusals.push(...found);
  }
  return { eligible: refusals.length === 0, refusals, windowEndsAt: applicationWindowEndsAt(ctx) };
}

export {
  ELIGIBILITY_CODES,
  isOpenReturn,
  type EligibilityCode,
  type EligibilityContext,
  type EligibilityRule,
} from './context';
export { checkPaidAndOwner, PAID_ORDER_STATUSES } from './rules/paidAndOwner';
export { checkTypeForShipping, hasShipped } from './rules/typeForShipping';
export { checkQuantity, availableUnits, unitsTaken } from './rules/quantity';
export { checkOneOpenPerLine, openReturnForLine } from './rules/oneOpenPerLine';
export { checkAttempts, attemptsUsed } from './rules/attempts';
export { checkNoReasonWindow, noReasonWindowEndsAt } from './rules/noReasonWindow';
export { checkQualityWindow, qualityWindowEndsAt } from './rules/qualityWindow';
export { checkNoReasonExemption, NO_REASON_EXEMPT_LABELS } from './rules/noReasonExemption';
export { checkPaymentWindow, paymentWindowEndsAt } from './rules/paymentWindow';
export { checkEvidence } from './rules/evidence';
export { checkExchangeReason } from './rules/exchangeReason';
export { checkReplacement, replacementRefusal } from './rules/replacement';
