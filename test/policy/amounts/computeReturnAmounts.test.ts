import { AmountInputError, addPostage, computeReturnAmounts, mergeLines } from '../../../cloudfunctions/core/policy/amounts';
import { line, order, prior, unshipped } from './helpers';

const lines = [line('L1', 3, 1000), line('L2', 1, 499)];

describe('computeReturnAmounts', () => {
  test('partial return, shipped, buyer-side', () => {
    const r = computeReturnAmounts({ order: order(lines), lines: [{ lineId: 'L1', quantity: 1 }], reason: 'NO_LONGER_WANTED', priorReturns: [] });
    expect(r.lines).toEqual([{ lineId: 'L1', quantity: 1, amount: 333 }]);
    expect(r.amounts).toEqual({ items: 333, shipping: 0, total: 333 });
  });

  test('whole order before shipment: items + shipping = Σ payments', () => {
    const o = unshipped(order(lines));
    const r = computeReturnAmounts({
      order: o,
      lines: [
        { lineId: 'L1', quantity: 3 },
        { lineId: 'L2', quantity: 1 },
      ],
      reason: 'WRONG_ORDER',
      priorReturns: [],
    });
    expect(r.amounts).toEqual({ items: 1499, shipping: 800, total: 2299 });
    expect(r.amounts.total).toBe(o.payments[0].amount);
  });

  test('completing request takes remainders and the shipping fee (seller-side)', () => {
    const p = prior([{ lineId: 'L1', quantity: 1, amount: 333 }], { reason: 'DAMAGED', status: 'IN_TRANSIT' });
    const r = computeReturnAmounts({
      order: order(lines),
      lines: [
        { lineId: 'L1', quantity: 2 },
        { lineId: 'L2', quantity: 1 },
      ],
      reason: 'QUALITY_ISSUE',
      priorReturns: [p],
    });
    expect(r.lines).toEqual([
      { lineId: 'L1', quantity: 2, amount: 667 },
      { lineId: 'L2', quantity: 1, amount: 499 },
    ]);
    expect(r.amounts).toEqual({ items: 1166, shipping: 800, total: 1966 });
  });

  test('cancelled prior does not count', () => {
    const p = prior([{ lineId: 'L1', quantity: 2, amount: 666 }], { status: 'CANCELLED' });
    const r = computeReturnAmounts({ order: order(lines), lines: [{ lineId: 'L1', quantity: 1 }], reason: 'OTHER', priorReturns: [p] });
    expect(r.lines[0].amount).toBe(333);
  });

  test('modify excludes its own lines', () => {
    const self = prior([{ lineId: 'L1', quantity: 1, amount: 333 }], { status: 'PENDING_REVIEW', returnId: 'R202601010077' });
    const r = computeReturnAmounts({ order: order(lines), lines: [{ lineId: 'L1', quantity: 3 }], reason: 'OTHER', priorReturns: [self], excludeReturnId: 'R202601010077' });
    expect(r.lines[0].amount).toBe(1000);
  });

  test('duplicate lineIds are merged', () => {
    expect(
      mergeLines([
        { lineId: 'L1', quantity: 1 },
        { lineId: 'L2', quantity: 1 },
        { lineId: 'L1', quantity: 2 },
      ]),
    ).toEqual([
      { lineId: 'L1', quantity: 3 },
      { lineId: 'L2', quantity: 1 },
    ]);
    const r = computeReturnAmounts({
      order: order(lines),
      lines: [
        { lineId: 'L1', quantity: 1 },
        { lineId: 'L1', quantity: 2 },
      ],
      reason: 'OTHER',
      priorReturns: [],
    });
    expect(r.lines).toEqual([{ lineId: 'L1', quantity: 3, amount: 1000 }]);
  });

  test('unknown line or too many units throws AmountInputError', () => {
    expect(() => computeReturnAmounts({ order: order(lines), lines: [{ lineId: 'NOPE', quantity: 1 }], reason: 'OTHER', priorReturns: [] })).toThrow(AmountInputError);
    expect(() => computeReturnAmounts({ order: order(lines), lines: [{ lineId: 'L2', quantity: 2 }], reason: 'OTHER', priorReturns: [] })).toThrow(AmountInputError);
  });

  test('addPostage adds the reimbursed postage to the total', () => {
    expect(addPostage({ items: 1000, shipping: 0, total: 1000 }, 1200)).toEqual({ items: 1000, shipping: 0, postage: 1200, total: 2200 });
    expect(addPostage({ items: 1000, shipping: 800, total: 1800 }, -3)).toEqual({ items: 1000, shipping: 800, postage: 0, total: 1800 });
  });
});
