import { checkNoReasonWindow, noReasonWindowEndsAt } from '../../../cloudfunctions/core/policy/eligibility/rules/noReasonWindow';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { ReasonCode } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, at, makeEligibilityContext, makeOrder, makePolicy, makeUnshippedOrder, plusMs } from '../fixtures';

/** Context for a buyer-side reason on an order received at `receivedIso`, evaluated at `now`. */
function ctxAt(receivedIso: string, now: Date, reason: ReasonCode = 'NO_LONGER_WANTED') {
  return makeEligibilityContext({ order: makeOrder({ receivedAt: at(receivedIso) }), reason, now });
}

describe('rule 5: no-reason window (buyer-side reasons), in Asia/Shanghai days', () => {
  // The test machine runs in UTC: these cases only pass if day arithmetic happens in Shanghai.
  it.each([
    // receivedAt (UTC)           Shanghai wall time           window ends (UTC instant)
    ['2026-01-31T16:30:00Z', /* 2026-02-01 00:30 */ '2026-02-08T15:59:59.999Z', '2026-02-08 23:59'],
    ['2026-01-31T15:59:59Z', /* 2026-01-31 23:59 */ '2026-02-07T15:59:59.999Z', '2026-02-07 23:59'],
    ['2026-02-28T17:00:00Z', /* 2026-03-01 01:00 */ '2026-03-08T15:59:59.999Z', '2026-03-08 23:59'],
    ['2026-02-27T16:00:00Z', /* 2026-02-28 00:00 */ '2026-03-07T15:59:59.999Z', '2026-03-07 23:59'],
    ['2026-12-24T16:00:00Z', /* 2026-12-25 00:00 */ '2027-01-01T15:59:59.999Z', '2027-01-01 23:59'],
    ['2026-04-30T15:00:00Z', /* 2026-04-30 23:00 */ '2026-05-07T15:59:59.999Z', '2026-05-07 23:59'],
  ])('received %s ⇒ window ends %s', (receivedIso, endIso, shown) => {
    const end = at(endIso);
    expect(noReasonWindowEndsAt(ctxAt(receivedIso, end))?.toISOString()).toBe(end.toISOString());

    expect(checkNoReasonWindow(ctxAt(receivedIso, end))).toEqual([]);
    expect(checkNoReasonWindow(ctxAt(receivedIso, plusMs(end, -1)))).toEqual([]);

    const r = checkNoReasonWindow(ctxAt(receivedIso, plusMs(end, 1)));
    expect(r).toHaveLength(1);
    expect(r[0].code).toBe(C.NO_REASON_WINDOW_CLOSED);
    expect(r[0].lineId).toBeUndefined();
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain('七天无理由');
    expect(r[0].message).toContain(shown);
  });

  it('is open at any time while the order has not been received', () => {
    const ctx = makeEligibilityContext({ order: makeUnshippedOrder(), now: at('2030-01-01T00:00:00Z') });
    expect(noReasonWindowEndsAt(ctx)).toBeNull();
    expect(checkNoReasonWindow(ctx)).toEqual([]);
  });

  it.each<ReasonCode>(['NO_LONGER_WANTED', 'WRONG_ORDER', 'OTHER'])('applies to buyer-side reason %s', (reason) => {
    const r = checkNoReasonWindow(ctxAt('2026-01-31T16:30:00Z', at('2026-02-08T16:00:00Z'), reason));
    expect(r.map((x) => x.code)).toEqual([C.NO_REASON_WINDOW_CLOSED]);
  });

  it.each<ReasonCode>(['QUALITY_ISSUE', 'DAMAGED', 'WRONG_ITEM', 'MISSING_PARTS', 'NOT_AS_DESCRIBED', 'NOT_RECEIVED'])('does not apply to seller-side reason %s', (reason) => {
    expect(checkNoReasonWindow(ctxAt('2026-01-31T16:30:00Z', at('2026-02-08T16:00:00Z'), reason))).toEqual([]);
  });

  it('follows policy.noReasonDays', () => {
    const base = ctxAt('2026-01-31T16:30:00Z', at('2026-02-08T16:00:00Z'));
    const ctx = { ...base, policy: makePolicy({ noReasonDays: 10 }) };
    expect(noReasonWindowEndsAt(ctx)?.toISOString()).toBe('2026-02-11T15:59:59.999Z');
    expect(checkNoReasonWindow(ctx)).toEqual([]);
    const late = checkNoReasonWindow({ ...ctx, now: at('2026-02-11T16:00:00Z') });
    expect(late.map((x) => x.code)).toEqual([C.NO_REASON_WINDOW_CLOSED]);
    expect(late[0].message).toContain('2026-02-11 23:59');
  });

  it('accepts receivedAt stored as an ISO string', () => {
    const order = makeOrder({ receivedAt: '2026-01-31T16:30:00Z' as unknown as Date });
    const ctx = makeEligibilityContext({ order, now: at('2026-02-08T16:00:00.000Z') });
    expect(checkNoReasonWindow(ctx).map((x) => x.code)).toEqual([C.NO_REASON_WINDOW_CLOSED]);
  });
});
