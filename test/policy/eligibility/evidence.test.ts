import { checkEvidence } from '../../../cloudfunctions/core/policy/eligibility/rules/evidence';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { ReasonCode } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, makeEligibilityContext } from '../fixtures';

describe('reason and evidence', () => {
  it.each<[ReasonCode, string]>([
    ['QUALITY_ISSUE', '质量问题'],
    ['DAMAGED', '破损'],
    ['WRONG_ITEM', '发错货'],
    ['MISSING_PARTS', '少件/漏发'],
    ['NOT_AS_DESCRIBED', '与描述不符'],
  ])('%s without evidence ⇒ EVIDENCE_REQUIRED naming the reason', (reason, label) => {
    const r = checkEvidence(makeEligibilityContext({ reason, evidenceCount: 0 }));
    expect(r).toHaveLength(1);
    expect(r[0].code).toBe(C.EVIDENCE_REQUIRED);
    expect(r[0].lineId).toBeUndefined();
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain(label);
  });

  it.each<ReasonCode>(['QUALITY_ISSUE', 'DAMAGED', 'WRONG_ITEM', 'MISSING_PARTS', 'NOT_AS_DESCRIBED'])('%s with one photo is accepted', (reason) => {
    expect(checkEvidence(makeEligibilityContext({ reason, evidenceCount: 1 }))).toEqual([]);
  });

  it.each<ReasonCode>(['NOT_RECEIVED', 'NO_LONGER_WANTED', 'WRONG_ORDER', 'OTHER'])('%s needs no evidence', (reason) => {
    expect(checkEvidence(makeEligibilityContext({ reason, evidenceCount: 0 }))).toEqual([]);
  });

  it('treats a missing/invalid evidenceCount as none', () => {
    const ctx = makeEligibilityContext({ reason: 'DAMAGED', evidenceCount: Number.NaN });
    expect(checkEvidence(ctx).map((x) => x.code)).toEqual([C.EVIDENCE_REQUIRED]);
  });

  it.each(['BROKEN', '', 'toString', '__proto__'])('refuses an unknown reason %p with REASON_INVALID', (reason) => {
    const r = checkEvidence(makeEligibilityContext({ reason: reason as ReasonCode }));
    expect(r.map((x) => x.code)).toEqual([C.REASON_INVALID]);
    expect(r[0].message).toMatch(CHINESE);
  });
});
