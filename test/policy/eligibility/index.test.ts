import fc from 'fast-check';
import { ELIGIBILITY_CODES as C, ELIGIBILITY_RULES, applicationWindowEndsAt, checkEligibility, type EligibilityContext } from '../../../cloudfunctions/core/policy/eligibility';
import type { ReasonCode, ReturnStatus } from '../../../cloudfunctions/core/policy/types';
import { BUYER, CHINESE, OTHER_BUYER, at, makeEligibilityContext, makeLine, makeOrder, makePriorReturn, makeUnshippedOrder, plusMs } from '../fixtures';

const pairs = (r: { code: string; lineId?: string }[]) => r.map((x) => [x.code, x.lineId]);

describe('checkEligibility: composition of every rule', () => {
  it('lists the rules in reporting order', () => {
    expect(ELIGIBILITY_RULES.map((r) => r.name)).toEqual([
      'paidAndOwner',
      'typeForShipping',
      'quantity',
      'oneOpenPerLine',
      'attempts',
      'noReasonWindow',
      'qualityWindow',
      'noReasonExemption',
      'paymentWindow',
      'evidence',
      'exchangeReason',
      'replacement',
    ]);
  });

  it('is eligible with no refusals for an ordinary request', () => {
    const res = checkEligibility(makeEligibilityContext());
    expect(res).toEqual({
      eligible: true,
      refusals: [],
      windowEndsAt: at('2026-02-08T15:59:59.999Z'),
    });
  });

  it('reports every refusal of every rule, in rule order then request line order', () => {
    // Received order, buyer-side reason, applied after both the no-reason and the payment windows,
    // with bad lines, an open after-sale, exhausted attempts and an exempt line.
    const order = makeOrder({
      lines: [
        makeLine({ lineId: 'L1', title: '纯棉T恤', quantity: 2, unitPrice: 5000, paidAmount: 9000 }),
        makeLine({ lineId: 'L2', title: '鲜切花', quantity: 1, unitPrice: 3000, noReasonExempt: 'FRESH' }),
      ],
    });
    const open = makePriorReturn({ status: 'PENDING_REVIEW', lines: [['L2', 1]], attempts: 5 });
    const ctx = makeEligibilityContext({
      order,
      reason: 'NO_LONGER_WANTED',
      lines: [
        { lineId: 'L1', quantity: 3 },
        { lineId: 'L9', quantity: 1 },
        { lineId: 'L2', quantity: 1 },
        { lineId: 'L1', quantity: 1 },
      ],
      priorReturns: [open],
      now: at('2027-02-01T00:00:00Z'),
    });
    const res = checkEligibility(ctx);
    expect(res.eligible).toBe(false);
    expect(pairs(res.refusals)).toEqual([
      [C.QUANTITY_EXCEEDED, 'L1'],
      [C.LINE_NOT_FOUND, 'L9'],
      [C.QUANTITY_EXCEEDED, 'L2'],
      [C.LINE_DUPLICATE, 'L1'],
      [C.RETURN_ALREADY_OPEN, 'L2'],
      [C.ATTEMPTS_EXCEEDED, 'L2'],
      [C.NO_REASON_WINDOW_CLOSED, undefined],
      [C.NO_REASON_EXEMPT, 'L2'],
      [C.PAYMENT_WINDOW_CLOSED, undefined],
    ]);
    for (const r of res.refusals) expect(r.message).toMatch(CHINESE);
    const byCode = Object.fromEntries(res.refusals.map((r) => [r.code, r.message]));
    expect(byCode[C.NO_REASON_WINDOW_CLOSED]).toContain('2026-02-08 23:59');
    expect(byCode[C.PAYMENT_WINDOW_CLOSED]).toContain('2027-01-20 10:00');
    expect(byCode[C.NO_REASON_EXEMPT]).toContain('生鲜');
  });

  it('reports order-level refusals together: cancelled, wrong type, empty request, missing evidence', () => {
    const ctx = makeEligibilityContext({
      order: makeUnshippedOrder({ status: 'CANCELLED' }),
      type: 'RETURN_REFUND',
      reason: 'DAMAGED',
      evidenceCount: 0,
      lines: [],
    });
    const res = checkEligibility(ctx);
    expect(res.eligible).toBe(false);
    expect(pairs(res.refusals)).toEqual([
      [C.ORDER_CANCELLED, undefined],
      [C.TYPE_NOT_ALLOWED, undefined],
      [C.LINES_EMPTY, undefined],
      [C.EVIDENCE_REQUIRED, undefined],
    ]);
  });

  it('reports the quality window and an unknown reason', () => {
    const late = checkEligibility(makeEligibilityContext({ reason: 'QUALITY_ISSUE', evidenceCount: 2, now: at('2026-02-16T16:00:00Z') }));
    expect(pairs(late.refusals)).toEqual([[C.QUALITY_WINDOW_CLOSED, undefined]]);
    expect(late.refusals[0].message).toContain('2026-02-16 23:59');

    const unknown = checkEligibility(makeEligibilityContext({ reason: 'WHATEVER' as ReasonCode }));
    expect(pairs(unknown.refusals)).toEqual([[C.REASON_INVALID, undefined]]);
  });

  it('tells a non-owner nothing else about the order', () => {
    const ctx = makeEligibilityContext({
      callerOpenid: OTHER_BUYER,
      order: makeUnshippedOrder({ status: 'CANCELLED', buyerOpenid: BUYER }),
      lines: [{ lineId: 'L1', quantity: 9 }],
      reason: 'DAMAGED',
      now: at('2030-01-01T00:00:00Z'),
    });
    const res = checkEligibility(ctx);
    expect(res).toEqual({ eligible: false, refusals: [expect.objectContaining({ code: C.NOT_ORDER_OWNER })], windowEndsAt: null });
    expect(res.refusals[0].lineId).toBeUndefined();
  });

  it('allows modifying a rejected after-sale in place', () => {
    const modified = makePriorReturn({ status: 'REJECTED', lines: [['L1', 2]], attempts: 2 });
    const ctx = makeEligibilityContext({
      priorReturns: [modified],
      excludeReturnId: modified.returnId,
      lines: [{ lineId: 'L1', quantity: 2 }],
    });
    expect(checkEligibility(ctx).eligible).toBe(true);
    expect(pairs(checkEligibility({ ...ctx, excludeReturnId: undefined }).refusals)).toEqual([
      [C.QUANTITY_EXCEEDED, 'L1'],
      [C.RETURN_ALREADY_OPEN, 'L1'],
    ]);
  });

  it('turns ineligible exactly one ms after the no-reason window (receivedAt 2026-02-01 00:30 Shanghai)', () => {
    const end = at('2026-02-08T15:59:59.999Z');
    expect(checkEligibility(makeEligibilityContext({ now: end })).eligible).toBe(true);
    const after = checkEligibility(makeEligibilityContext({ now: plusMs(end, 1) }));
    expect(after.eligible).toBe(false);
    expect(pairs(after.refusals)).toEqual([[C.NO_REASON_WINDOW_CLOSED, undefined]]);
  });

  describe('windowEndsAt', () => {
    it('is the no-reason window end for buyer-side reasons', () => {
      expect(checkEligibility(makeEligibilityContext({ reason: 'WRONG_ORDER' })).windowEndsAt?.toISOString()).toBe('2026-02-08T15:59:59.999Z');
    });

    it('is the quality window end for seller-side reasons', () => {
      const ctx = makeEligibilityContext({ reason: 'DAMAGED', evidenceCount: 1 });
      expect(checkEligibility(ctx).windowEndsAt?.toISOString()).toBe('2026-02-16T15:59:59.999Z');
    });

    it('is the payment window end while not yet received', () => {
      const ctx = makeEligibilityContext({ order: makeUnshippedOrder(), type: 'REFUND_ONLY' });
      expect(checkEligibility(ctx).windowEndsAt?.toISOString()).toBe('2027-01-20T02:00:00.000Z');
    });

    it('is the payment window end when that comes first', () => {
      const order = makeOrder({ receivedAt: at('2027-01-15T02:00:00Z') });
      const ctx = makeEligibilityContext({ order, now: at('2027-01-16T00:00:00Z') });
      expect(applicationWindowEndsAt(ctx)?.toISOString()).toBe('2027-01-20T02:00:00.000Z');
    });
  });

  it('property: with the owner calling, refusals are exactly the concatenation of every rule`s refusals', () => {
    const statuses: ReturnStatus[] = ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'IN_TRANSIT', 'REJECTED', 'DISPUTED', 'REFUNDING', 'REFUND_FAILED', 'REFUNDED', 'CANCELLED', 'CLOSED'];
    const reasons: ReasonCode[] = ['NO_LONGER_WANTED', 'WRONG_ORDER', 'OTHER', 'QUALITY_ISSUE', 'DAMAGED', 'WRONG_ITEM', 'MISSING_PARTS', 'NOT_AS_DESCRIBED', 'NOT_RECEIVED'];
    const lineIdArb = fc.constantFrom('L1', 'L2', 'L3');
    const arb = fc.record({
      status: fc.constantFrom('PAID', 'SHIPPED', 'RECEIVED', 'COMPLETED', 'CANCELLED' as const),
      received: fc.boolean(),
      type: fc.constantFrom('REFUND_ONLY' as const, 'RETURN_REFUND' as const),
      reason: fc.constantFrom(...reasons),
      lines: fc.array(fc.record({ lineId: lineIdArb, quantity: fc.integer({ min: -1, max: 4 }) }), { maxLength: 4 }),
      prior: fc.array(fc.record({ status: fc.constantFrom(...statuses), lineId: lineIdArb, q: fc.integer({ min: 1, max: 2 }), attempts: fc.integer({ min: 1, max: 3 }) }), {
        maxLength: 4,
      }),
      evidenceCount: fc.integer({ min: 0, max: 2 }),
      nowOffsetDays: fc.integer({ min: 0, max: 400 }),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const order = a.status === 'PAID' ? makeUnshippedOrder() : makeOrder({ status: a.status });
        if (!a.received) delete order.receivedAt;
        const ctx: EligibilityContext = makeEligibilityContext({
          order,
          type: a.type,
          reason: a.reason,
          lines: a.lines,
          evidenceCount: a.evidenceCount,
          priorReturns: a.prior.map((p) => makePriorReturn({ status: p.status, lines: [[p.lineId, p.q]], attempts: p.attempts })),
          now: new Date(at('2026-01-20T02:00:00Z').getTime() + a.nowOffsetDays * 86_400_000),
        });
        const res = checkEligibility(ctx);
        const expected = ELIGIBILITY_RULES.flatMap((r) => r.check(ctx));
        expect(res.refusals).toEqual(expected);
        expect(res.eligible).toBe(expected.length === 0);
        for (const r of res.refusals) {
          expect(Object.values(C)).toContain(r.code);
          expect(r.message).toMatch(CHINESE);
        }
      }),
      { numRuns: 300, seed: 20260201 },
    );
  });
});
