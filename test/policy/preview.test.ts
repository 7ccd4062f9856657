import { previewReturn } from '../../cloudfunctions/core/policy/preview';
import { makeEligibilityContext, makeOrder, makeLine, makePriorReturn, at, CHINESE } from './fixtures';

describe('previewReturn', () => {
  it('eligible: amounts from the order, buyer pays return freight, merchant deadline now + 48 h', () => {
    const order = makeOrder({ lines: [makeLine({ lineId: 'L1', quantity: 3, unitPrice: 1000, paidAmount: 2500 })], shippingFee: 0 });
    const now = at('2026-02-03T04:00:00Z');
    const res = previewReturn(makeEligibilityContext({ order, lines: [{ lineId: 'L1', quantity: 1 }], now }));
    expect(res.eligible).toBe(true);
    expect(res.refusals).toEqual([]);
    expect(res.lines).toEqual([{ lineId: 'L1', quantity: 1, amount: 833 }]);
    expect(res.amounts).toEqual({ items: 833, shipping: 0, total: 833 });
    expect(res.freightPayer).toBe('BUYER');
    expect(res.deadline?.toISOString()).toBe('2026-02-05T04:00:00.000Z');
    expect(res.windowEndsAt).not.toBeNull();
  });

  it('seller-side reason: the seller pays return freight', () => {
    const res = previewReturn(makeEligibilityContext({ reason: 'QUALITY_ISSUE', evidenceCount: 1 }));
    expect(res.eligible).toBe(true);
    expect(res.freightPayer).toBe('SELLER');
  });

  it('not eligible: every refusal, no amounts, no deadline', () => {
    const order = makeOrder({ lines: [makeLine({ lineId: 'L1', quantity: 1 }), makeLine({ lineId: 'L2', quantity: 1 })] });
    const res = previewReturn(
      makeEligibilityContext({
        order,
        reason: 'QUALITY_ISSUE',
        evidenceCount: 0,
        lines: [
          { lineId: 'L1', quantity: 1 },
          { lineId: 'L2', quantity: 2 },
        ],
        priorReturns: [makePriorReturn({ lines: [['L1', 1]], status: 'PENDING_REVIEW' })],
      }),
    );
    expect(res.eligible).toBe(false);
    const codes = res.refusals.map((r) => `${r.code}:${r.lineId ?? ''}`);
    expect(codes).toEqual(expect.arrayContaining(['RETURN_ALREADY_OPEN:L1', 'QUANTITY_EXCEEDED:L2', 'EVIDENCE_REQUIRED:']));
    for (const r of res.refusals) expect(r.message).toMatch(CHINESE);
    expect(res.amounts).toBeNull();
    expect(res.deadline).toBeNull();
  });
});
