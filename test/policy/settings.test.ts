import { DEFAULT_POLICY, resolvePolicy } from '../../cloudfunctions/core/policy/settings';

describe('policy settings', () => {
  it('has the defaults of domain.md', () => {
    expect(DEFAULT_POLICY).toMatchObject({
      noReasonDays: 7,
      qualityDays: 15,
      merchantReviewHours: 48,
      buyerShipDays: 7,
      merchantReceiveDays: 10,
      appealDays: 7,
      reminderLeadHours: 24,
      maxAttemptsPerLine: 5,
      maxEvidencePerReturn: 9,
      maxEvidenceBytes: 10 * 1024 * 1024,
      returnShippingCap: 2000,
      refundQueryAfterMinutes: 5,
    });
  });
  it('a settings document overrides known numeric keys only', () => {
    // biome-ignore lint/plugin/no-as-any: malformed overrides on purpose: a string, an unknown key and a negative number must be dropped
    const p = resolvePolicy({ noReasonDays: 15, merchantReviewHours: '12', bogus: 3, appealDays: -1 } as any);
    expect(p.noReasonDays).toBe(15);
    expect(p.merchantReviewHours).toBe(48);
    expect(p.appealDays).toBe(7);
    expect('bogus' in p).toBe(false);
  });
  it('no document: the defaults', () => {
    expect(resolvePolicy(null)).toEqual(DEFAULT_POLICY);
  });
});
