import { AmountInputError, countedPriorReturns, lineAlready, lineRefundAmount, UNCOUNTED_STATUSES } from '../../../cloudfunctions/core/policy/amounts';
import type { ReturnStatus } from '../../../cloudfunctions/core/policy/types';
import { line, prior } from './helpers';

describe('lineRefundAmount', () => {
  const l = line('L1', 3, 100);

  test('k of n units = floor(paidAmount * k / n)', () => {
    expect(lineRefundAmount(l, 1, 0, 0)).toBe(33);
    expect(lineRefundAmount(l, 2, 0, 0)).toBe(66);
  });

  test('the request that completes the line gets the remainder', () => {
    expect(lineRefundAmount(l, 1, 2, 66)).toBe(34);
    expect(lineRefundAmount(l, 2, 1, 33)).toBe(67);
    expect(lineRefundAmount(l, 3, 0, 0)).toBe(100);
  });

  test('units of a line sum exactly to paidAmount (1+1+1)', () => {
    const a = lineRefundAmount(l, 1, 0, 0);
    const b = lineRefundAmount(l, 1, 1, a);
    const c = lineRefundAmount(l, 1, 2, a + b);
    expect([a, b, c]).toEqual([33, 33, 34]);
    expect(a + b + c).toBe(100);
  });

  test('zero-paid line refunds 0', () => {
    expect(lineRefundAmount(line('L0', 2, 0), 1, 0, 0)).toBe(0);
    expect(lineRefundAmount(line('L0', 2, 0), 1, 1, 0)).toBe(0);
  });

  test('remainder is clamped to [0, paidAmount] for inconsistent stored data', () => {
    expect(lineRefundAmount(l, 1, 2, 150)).toBe(0);
    expect(lineRefundAmount(line('L2', 3, 90), 1, 1, 80)).toBe(10);
  });

  test('refuses impossible quantities', () => {
    expect(() => lineRefundAmount(l, 0, 0, 0)).toThrow(AmountInputError);
    expect(() => lineRefundAmount(l, 2, 2, 66)).toThrow(AmountInputError);
    expect(() => lineRefundAmount(l, 1.5, 0, 0)).toThrow(AmountInputError);
    expect(() => lineRefundAmount(l, 1, -1, 0)).toThrow(AmountInputError);
    expect(() => lineRefundAmount(line('L3', 2, 10.5), 1, 0, 0)).toThrow(AmountInputError);
  });
});

describe('countedPriorReturns', () => {
  const statuses: ReturnStatus[] = ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'IN_TRANSIT', 'REJECTED', 'DISPUTED', 'REFUNDING', 'REFUND_FAILED', 'REFUNDED', 'CANCELLED', 'CLOSED'];

  test.each(statuses)('status %s', (status) => {
    const p = prior([{ lineId: 'L1', quantity: 1, amount: 33 }], { status });
    const expected = !['CANCELLED', 'CLOSED', 'REJECTED'].includes(status);
    expect(countedPriorReturns([p]).length).toBe(expected ? 1 : 0);
    expect(UNCOUNTED_STATUSES.includes(status)).toBe(!expected);
  });

  test('excludeReturnId leaves out the after-sale being modified', () => {
    const a = prior([{ lineId: 'L1', quantity: 1, amount: 33 }], { returnId: 'R202601010001', status: 'PENDING_REVIEW' });
    const b = prior([{ lineId: 'L1', quantity: 1, amount: 33 }], { returnId: 'R202601010002' });
    expect(countedPriorReturns([a, b], 'R202601010001').map((r) => r.returnId)).toEqual(['R202601010002']);
  });

  test('lineAlready sums units and amounts of a line', () => {
    const ps = [
      prior([
        { lineId: 'L1', quantity: 1, amount: 33 },
        { lineId: 'L2', quantity: 2, amount: 50 },
      ]),
      prior([{ lineId: 'L1', quantity: 1, amount: 33 }]),
    ];
    expect(lineAlready(ps, 'L1')).toEqual({ units: 2, amount: 66 });
    expect(lineAlready(ps, 'L2')).toEqual({ units: 2, amount: 50 });
    expect(lineAlready(ps, 'L9')).toEqual({ units: 0, amount: 0 });
  });
});
