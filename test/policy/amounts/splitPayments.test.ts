import { paymentBalances, RefundSplitError, refundedPerPayment, splitAcrossPayments } from '../../../cloudfunctions/core/policy/amounts';

describe('splitAcrossPayments', () => {
  test('single payment takes everything', () => {
    expect(splitAcrossPayments(500, [{ outTradeNo: 'T1', amount: 1000, refunded: 0 }])).toEqual([{ outTradeNo: 'T1', amount: 500 }]);
  });

  test('proportional to remaining', () => {
    const r = splitAcrossPayments(300, [
      { outTradeNo: 'DEP', amount: 1000, refunded: 0 },
      { outTradeNo: 'BAL', amount: 3000, refunded: 1000 },
    ]);
    expect(r).toEqual([
      { outTradeNo: 'DEP', amount: 100 },
      { outTradeNo: 'BAL', amount: 200 },
    ]);
  });

  test('largest remainder rounding', () => {
    // remaining 10, 20 → exact 5/3=1.67, 10/3=3.33 → 2, 3
    expect(
      splitAcrossPayments(5, [
        { outTradeNo: 'A', amount: 15, refunded: 5 },
        { outTradeNo: 'B', amount: 20, refunded: 0 },
      ]),
    ).toEqual([
      { outTradeNo: 'A', amount: 2 },
      { outTradeNo: 'B', amount: 3 },
    ]);
  });

  test('ties go to the earlier payment', () => {
    expect(
      splitAcrossPayments(1, [
        { outTradeNo: 'A', amount: 50, refunded: 0 },
        { outTradeNo: 'B', amount: 50, refunded: 0 },
      ]),
    ).toEqual([{ outTradeNo: 'A', amount: 1 }]);
    expect(
      splitAcrossPayments(3, [
        { outTradeNo: 'A', amount: 10, refunded: 0 },
        { outTradeNo: 'B', amount: 10, refunded: 0 },
      ]),
    ).toEqual([
      { outTradeNo: 'A', amount: 2 },
      { outTradeNo: 'B', amount: 1 },
    ]);
  });

  test('zero shares and exhausted payments omitted', () => {
    expect(
      splitAcrossPayments(100, [
        { outTradeNo: 'A', amount: 100, refunded: 100 },
        { outTradeNo: 'B', amount: 300, refunded: 0 },
      ]),
    ).toEqual([{ outTradeNo: 'B', amount: 100 }]);
    expect(splitAcrossPayments(0, [{ outTradeNo: 'A', amount: 100, refunded: 0 }])).toEqual([]);
  });

  test('exactly the remaining: each payment gets its remaining', () => {
    expect(
      splitAcrossPayments(350, [
        { outTradeNo: 'A', amount: 100, refunded: 50 },
        { outTradeNo: 'B', amount: 300, refunded: 0 },
      ]),
    ).toEqual([
      { outTradeNo: 'A', amount: 50 },
      { outTradeNo: 'B', amount: 300 },
    ]);
  });

  test('huge amounts stay exact (BigInt arithmetic)', () => {
    const r = splitAcrossPayments(9_000_000_000_001, [
      { outTradeNo: 'A', amount: 5_000_000_000_000, refunded: 0 },
      { outTradeNo: 'B', amount: 4_000_000_000_003, refunded: 0 },
    ]);
    expect(r.reduce((s, x) => s + x.amount, 0)).toBe(9_000_000_000_001);
    expect(r[0].amount).toBeLessThanOrEqual(5_000_000_000_000);
  });

  test.each([
    [-1, 'AMOUNT_INVALID'],
    [1.5, 'AMOUNT_INVALID'],
    [Number.NaN, 'AMOUNT_INVALID'],
    [401, 'REFUND_LIMIT'],
  ])('total %p ⇒ %s', (total, code) => {
    const payments = [
      { outTradeNo: 'A', amount: 100, refunded: 0 },
      { outTradeNo: 'B', amount: 300, refunded: 0 },
    ];
    let err: unknown;
    try {
      splitAcrossPayments(total, payments);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RefundSplitError);
    expect((err as RefundSplitError).code).toBe(code);
    expect((err as RefundSplitError).message).toMatch(/[\u4e00-\u9fa5]/);
  });

  test('REFUND_LIMIT counts already-refunded amounts', () => {
    expect(() =>
      splitAcrossPayments(301, [
        { outTradeNo: 'A', amount: 100, refunded: 100 },
        { outTradeNo: 'B', amount: 300, refunded: 0 },
      ]),
    ).toThrow(RefundSplitError);
  });
});

describe('refundedPerPayment / paymentBalances', () => {
  const refunds = [
    { outTradeNo: 'A', refundFee: 100, status: 'SUCCESS' },
    { outTradeNo: 'A', refundFee: 50, status: 'CLOSED' },
    { outTradeNo: 'A', refundFee: 20, status: 'UNKNOWN' },
    { outTradeNo: 'B', refundFee: 30, status: 'PROCESSING' },
    { outTradeNo: 'B', refundFee: 5, status: 'CREATED' },
    { outTradeNo: 'B', refundFee: 7, status: 'ABNORMAL' },
  ];

  test('sums non-closed refunds per payment', () => {
    expect(refundedPerPayment(refunds)).toEqual({ A: 120, B: 42 });
    expect(refundedPerPayment([])).toEqual({});
  });

  test('paymentBalances pairs payments with their refunded sums', () => {
    expect(
      paymentBalances(
        [
          { outTradeNo: 'A', amount: 500 },
          { outTradeNo: 'C', amount: 10 },
        ],
        refunds,
      ),
    ).toEqual([
      { outTradeNo: 'A', amount: 500, refunded: 120 },
      { outTradeNo: 'C', amount: 10, refunded: 0 },
    ]);
  });
});
