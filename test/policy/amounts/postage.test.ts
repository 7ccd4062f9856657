import { reimbursedPostage } from '../../../cloudfunctions/core/policy/amounts';
import { DEFAULT_POLICY } from '../../../cloudfunctions/core/policy/settings';

describe('reimbursedPostage', () => {
  const policy = DEFAULT_POLICY; // cap 2000

  test('seller-side + self-ship: declared, capped', () => {
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: 1200, policy })).toBe(1200);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: 2000, policy })).toBe(2000);
    expect(reimbursedPostage({ reason: 'QUALITY_ISSUE', mode: 'SELF_SHIP', declared: 5000, policy })).toBe(2000);
    expect(reimbursedPostage({ reason: 'QUALITY_ISSUE', mode: 'SELF_SHIP', declared: 5000, policy: { returnShippingCap: 1500 } })).toBe(1500);
  });

  test('buyer-side ⇒ 0', () => {
    expect(reimbursedPostage({ reason: 'NO_LONGER_WANTED', mode: 'SELF_SHIP', declared: 1200, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'OTHER', mode: 'SELF_SHIP', declared: 1200, policy })).toBe(0);
  });

  test('pickup or no logistics ⇒ 0', () => {
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'PICKUP', declared: 1200, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', declared: 1200, policy })).toBe(0);
  });

  test('missing / negative / non-finite / fractional declared', () => {
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: -5, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: Number.NaN, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: Infinity, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: 999.9, policy })).toBe(999);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: 100, policy: { returnShippingCap: 0 } })).toBe(0);
  });
});
