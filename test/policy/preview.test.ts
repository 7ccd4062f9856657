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

describe('previewReturn of an exchange (换货)', () => {
  const order = makeOrder({ status: 'RECEIVED', lines: [makeLine({ lineId: 'L1', title: '纯棉T恤 白色 M', skuId: 'TEE-M', productId: 'P-TEE', quantity: 1, unitPrice: 5900 })] });
  const L = { _id: 'TEE-L', productId: 'P-TEE', title: '纯棉T恤 白色 L', attrs: { 颜色: '白色', 尺码: 'L' }, price: 5900, stock: 2 };

  it('shows the replacement, who pays postage each way and both deadlines; no money moves', () => {
    const res = previewReturn(
      makeEligibilityContext({
        order,
        type: 'EXCHANGE',
        reason: 'SIZE_COLOR',
        lines: [{ lineId: 'L1', quantity: 1 }],
        replacements: [{ lineId: 'L1', skuId: 'TEE-L' }],
        skus: [L],
      }),
    );
    expect(res.eligible).toBe(true);
    expect(res.amounts).toEqual({ items: 0, shipping: 0, total: 0 });
    expect(res.exchange).toEqual({
      replacements: [{ lineId: 'L1', quantity: 1, skuId: 'TEE-L', title: '纯棉T恤 白色 L', attrs: { 颜色: '白色', 尺码: 'L' }, price: 5900 }],
      freight: { back: 'BUYER', out: 'SELLER', text: expect.stringMatching(CHINESE) },
      reshipHours: 48,
      confirmDays: 10,
    });
  });

  it('out of stock at apply: not eligible, with the reason', () => {
    const res = previewReturn(
      makeEligibilityContext({
        order,
        type: 'EXCHANGE',
        reason: 'SIZE_COLOR',
        lines: [{ lineId: 'L1', quantity: 1 }],
        replacements: [{ lineId: 'L1', skuId: 'TEE-L' }],
        skus: [{ ...L, stock: 0 }],
      }),
    );
    expect(res).toMatchObject({ eligible: false, exchange: null, amounts: null });
    expect(res.refusals.map((r) => r.code)).toEqual(['REPLACEMENT_OUT_OF_STOCK']);
  });
});
