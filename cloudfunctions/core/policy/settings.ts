/** Policy defaults (domain.md "Policy defaults"); a `settings` document overrides them per shop. */
import type { Policy } from './types';

export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  noReasonDays: 7,
  qualityDays: 15,
  merchantReviewHours: 48,
  buyerShipDays: 7,
  merchantReceiveDays: 10,
  appealDays: 7,
  reminderLeadHours: 24,
  maxAttemptsPerLine: 5,
  maxLogisticsCorrections: 3,
  proposalHours: 48,
  maxProposals: 3,
  arbiterDecideHours: 72,
  refundFixHours: 72,
  refundArrivalDays: 3,
  reshipHours: 48,
  exchangeConfirmDays: 10,
  maxMessagesPerHour: 10,
  maxEvidencePerReturn: 9,
  maxEvidenceBytes: 10 * 1024 * 1024,
  returnShippingCap: 2000,
  refundQueryAfterMinutes: 5,
  paymentRefundDays: 365,
});

/** Merge a stored settings document over the defaults; only known, valid numeric keys count. */
export function resolvePolicy(overrides?: Partial<Record<keyof Policy, unknown>> | null): Policy {
  const policy: Policy = { ...DEFAULT_POLICY };
  if (!overrides) return policy;
  for (const key of Object.keys(DEFAULT_POLICY) as (keyof Policy)[]) {
    const v = overrides[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) policy[key] = v;
  }
  return policy;
}
