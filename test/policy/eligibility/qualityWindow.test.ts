import { checkQualityWindow, qualityWindowEndsAt } from '../../../cloudfunctions/core/policy/eligibility/rules/qualityWindow';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { ReasonCode } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, at, makeEligibilityContext, makeOrder, makePolicy, makeUnshippedOrder, plusMs } from '../fixtures';

function ctxAt(receivedIso: string, now: Date, reason: ReasonCode = 'QUALITY_ISSUE') {
  return makeEligibilityContext({ order: makeOrder({ receivedAt: at(receivedIso) }), reason, now, evidenceCount: 1 });
}

describe('rule 6: quality window (seller-side reasons), in Asia/Shanghai days', () => {
  it.each([
    // receivedAt (UTC)          Shanghai wall time           window ends (UTC instant)
    ['2026-01-31T16:30:00Z', /* 2026-02-01 00:30 */ '2026-02-16T15:59:59.999Z', '2026-02-16 23:59'],
    ['2026-01-31T15:59:59Z', /* 2026-01-31 23:59 */ '2026-02-15T15:59:59.999Z', '2026-02-15 23:59'],
    ['2026-02-13T16:00:00Z', /* 2026-02-14 00:00 */ '2026-03-01T15:59:59.999Z', '2026-03-01 23:59'],
    ['2026-03-31T16:00:00Z', /* 2026-04-01 00:00 */ '2026-04-16T15:59:59.999Z', '2026-04-16 23:59'],
    ['2026-12-20T17:00:00Z', /* 2026-12-21 01:00 */ '2027-01-05T15:59:59.999Z', '2027-01-05 23:59'],
  ])('received %s ⇒ window ends %s', (receivedIso, endIso, shown) => {
    const end = at(endIso);
    expect(qualityWindowEndsAt(ctxAt(receivedIso, end))?.toISOString()).toBe(end.toISOString());
    expect(checkQualityWindow(ctxAt(receivedIso, end))).toEqual([]);

    const r = checkQualityWindow(ctxAt(receivedIso, plusMs(end, 1)));
    expect(r).toHaveLength(1);
    expect(r[0].code).toBe(C.QUALITY_WINDOW_CLOSED);
    expect(r[0].lineId).toBeUndefined();
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain('15天');
    expect(r[0].message).toContain(shown);
  });

  it.each<ReasonCode>(['QUALITY_ISSUE', 'DAMAGED', 'WRONG_ITEM', 'MISSING_PARTS', 'NOT_AS_DESCRIBED'])('applies to seller-side reason %s', (reason) => {
    const r = checkQualityWindow(ctxAt('2026-01-31T16:30:00Z', at('2026-02-16T16:00:00Z'), reason));
    expect(r.map((x) => x.code)).toEqual([C.QUALITY_WINDOW_CLOSED]);
  });

  it.each<ReasonCode>(['NO_LONGER_WANTED', 'WRONG_ORDER', 'OTHER'])('does not apply to buyer-side reason %s', (reason) => {
    expect(checkQualityWindow(ctxAt('2026-01-31T16:30:00Z', at('2026-03-31T00:00:00Z'), reason))).toEqual([]);
  });

  it('NOT_RECEIVED on a never-received order: window open', () => {
    const ctx = makeEligibilityContext({
      order: makeOrder({ status: 'SHIPPED', receivedAt: undefined }),
      reason: 'NOT_RECEIVED',
      now: at('2027-01-01T00:00:00Z'),
    });
    expect(qualityWindowEndsAt(ctx)).toBeNull();
    expect(checkQualityWindow(ctx)).toEqual([]);
  });

  it('NOT_RECEIVED on an order marked received: the window applies', () => {
    const r = checkQualityWindow(ctxAt('2026-01-31T16:30:00Z', at('2026-02-16T16:00:00Z'), 'NOT_RECEIVED'));
    expect(r.map((x) => x.code)).toEqual([C.QUALITY_WINDOW_CLOSED]);
  });

  it('is open while not yet shipped/received', () => {
    const ctx = makeEligibilityContext({ order: makeUnshippedOrder(), reason: 'DAMAGED', now: at('2030-01-01T00:00:00Z') });
    expect(checkQualityWindow(ctx)).toEqual([]);
  });

  it('follows policy.qualityDays', () => {
    const ctx = { ...ctxAt('2026-01-31T16:30:00Z', at('2026-02-08T16:00:00Z')), policy: makePolicy({ qualityDays: 7 }) };
    expect(qualityWindowEndsAt(ctx)?.toISOString()).toBe('2026-02-08T15:59:59.999Z');
    const r = checkQualityWindow(ctx);
    expect(r.map((x) => x.code)).toEqual([C.QUALITY_WINDOW_CLOSED]);
    expect(r[0].message).toContain('7天');
    expect(r[0].message).toContain('2026-02-08 23:59');
  });
});
