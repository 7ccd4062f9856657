import { adjustRefundAmount, formatYuan } from '../../../cloudfunctions/core/policy/amounts';

describe('adjustRefundAmount', () => {
  test('no requested amount ⇒ the maximum', () => {
    expect(adjustRefundAmount('RETURN_REFUND', 1000)).toEqual({ ok: true, amount: 1000, lowered: false });
    expect(adjustRefundAmount('REFUND_ONLY', 1000, undefined)).toEqual({ ok: true, amount: 1000, lowered: false });
    expect(adjustRefundAmount('REFUND_ONLY', 1000, null)).toEqual({ ok: true, amount: 1000, lowered: false });
  });

  test('RETURN_REFUND may be lowered', () => {
    expect(adjustRefundAmount('RETURN_REFUND', 1000, 600)).toEqual({ ok: true, amount: 600, lowered: true });
    expect(adjustRefundAmount('RETURN_REFUND', 1000, 1)).toEqual({ ok: true, amount: 1, lowered: true });
    expect(adjustRefundAmount('RETURN_REFUND', 1000, 1000)).toEqual({ ok: true, amount: 1000, lowered: false });
  });

  test('RETURN_REFUND never raised', () => {
    const r = adjustRefundAmount('RETURN_REFUND', 1000, 1001);
    expect(r).toMatchObject({ ok: false, code: 'AMOUNT_ABOVE_MAXIMUM' });
    if (!r.ok) expect(r.message).toContain('10.00');
  });

  test('RETURN_REFUND: 0, negative, fractional, NaN refused', () => {
    for (const v of [0, -1, 10.5, Number.NaN, Infinity]) {
      expect(adjustRefundAmount('RETURN_REFUND', 1000, v)).toMatchObject({ ok: false, code: 'AMOUNT_INVALID' });
    }
    expect(adjustRefundAmount('RETURN_REFUND', 1000, '500' as unknown as number)).toMatchObject({ ok: false, code: 'AMOUNT_INVALID' });
  });

  test('REFUND_ONLY not adjustable', () => {
    expect(adjustRefundAmount('REFUND_ONLY', 1000, 999)).toMatchObject({ ok: false, code: 'AMOUNT_NOT_ADJUSTABLE' });
    expect(adjustRefundAmount('REFUND_ONLY', 1000, 1001)).toMatchObject({ ok: false, code: 'AMOUNT_NOT_ADJUSTABLE' });
    expect(adjustRefundAmount('REFUND_ONLY', 1000, 1000)).toEqual({ ok: true, amount: 1000, lowered: false });
  });

  test('invalid maximum', () => {
    expect(adjustRefundAmount('RETURN_REFUND', -1)).toMatchObject({ ok: false, code: 'AMOUNT_INVALID' });
  });

  test('messages are Chinese', () => {
    for (const r of [adjustRefundAmount('RETURN_REFUND', 10, 11), adjustRefundAmount('REFUND_ONLY', 10, 9), adjustRefundAmount('RETURN_REFUND', 10, 0)]) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/[\u4e00-\u9fa5]/);
    }
  });

  test('formatYuan', () => {
    expect(formatYuan(12345)).toBe('123.45');
    expect(formatYuan(5)).toBe('0.05');
    expect(formatYuan(0)).toBe('0.00');
    expect(formatYuan(-150)).toBe('-1.50');
  });
});
