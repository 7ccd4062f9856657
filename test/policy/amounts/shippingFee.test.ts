import { isUnshipped, shippingRefund } from '../../../cloudfunctions/core/policy/amounts';
import { line, order, prior, unshipped } from './helpers';

const lines2 = [line('L1', 2, 1000), line('L2', 1, 500)];

describe('shippingRefund', () => {
  test('isUnshipped: PAID without shippedAt', () => {
    expect(isUnshipped(unshipped(order(lines2)))).toBe(true);
    expect(isUnshipped(order(lines2))).toBe(false);
    expect(isUnshipped({ status: 'PAID', shippedAt: new Date() })).toBe(false);
    expect(isUnshipped({ status: 'SHIPPED' })).toBe(false);
  });

  test('(a) whole order refunded before shipment, any reason', () => {
    const o = unshipped(order(lines2));
    const all = [
      { lineId: 'L1', quantity: 2 },
      { lineId: 'L2', quantity: 1 },
    ];
    expect(shippingRefund({ order: o, lines: all, reason: 'NO_LONGER_WANTED', priorReturns: [] })).toBe(800);
  });

  test('(a) partial request before shipment: 0', () => {
    const o = unshipped(order(lines2));
    expect(shippingRefund({ order: o, lines: [{ lineId: 'L1', quantity: 2 }], reason: 'NO_LONGER_WANTED', priorReturns: [] })).toBe(0);
  });

  test('(a) the request completing coverage with counted priors gets it', () => {
    const o = unshipped(order(lines2));
    const p = prior([{ lineId: 'L1', quantity: 2, amount: 1000 }], { status: 'REFUNDING' });
    expect(shippingRefund({ order: o, lines: [{ lineId: 'L2', quantity: 1 }], reason: 'WRONG_ORDER', priorReturns: [p] })).toBe(800);
  });

  test('cancelled / closed / rejected priors do not cover', () => {
    const o = unshipped(order(lines2));
    for (const status of ['CANCELLED', 'CLOSED', 'REJECTED'] as const) {
      const p = prior([{ lineId: 'L1', quantity: 2, amount: 1000 }], { status });
      expect(shippingRefund({ order: o, lines: [{ lineId: 'L2', quantity: 1 }], reason: 'OTHER', priorReturns: [p] })).toBe(0);
    }
  });

  test('never twice: a counted prior already carries the shipping fee', () => {
    const o = unshipped(order(lines2));
    const p = prior([{ lineId: 'L1', quantity: 2, amount: 1000 }], { status: 'REFUNDED', shippingRefunded: 800 });
    expect(shippingRefund({ order: o, lines: [{ lineId: 'L2', quantity: 1 }], reason: 'OTHER', priorReturns: [p] })).toBe(0);
  });

  test('a cancelled prior that carried the shipping fee releases it', () => {
    const o = unshipped(order(lines2));
    const all = [
      { lineId: 'L1', quantity: 2 },
      { lineId: 'L2', quantity: 1 },
    ];
    const p = prior(
      [
        { lineId: 'L1', quantity: 2, amount: 1000 },
        { lineId: 'L2', quantity: 1, amount: 500 },
      ],
      { status: 'CANCELLED', shippingRefunded: 800 },
    );
    expect(shippingRefund({ order: o, lines: all, reason: 'OTHER', priorReturns: [p] })).toBe(800);
  });

  test('modify: excludeReturnId re-evaluates the after-sale itself', () => {
    const o = unshipped(order(lines2));
    const all = [
      { lineId: 'L1', quantity: 2 },
      { lineId: 'L2', quantity: 1 },
    ];
    const self = prior(
      [
        { lineId: 'L1', quantity: 2, amount: 1000 },
        { lineId: 'L2', quantity: 1, amount: 500 },
      ],
      { status: 'PENDING_REVIEW', shippingRefunded: 800, returnId: 'R202601010009' },
    );
    expect(shippingRefund({ order: o, lines: all, reason: 'OTHER', priorReturns: [self], excludeReturnId: 'R202601010009' })).toBe(800);
    expect(shippingRefund({ order: o, lines: all, reason: 'OTHER', priorReturns: [self] })).toBe(0);
  });

  test('(b) shipped: every line returned for seller-side reasons', () => {
    const o = order(lines2);
    const p = prior([{ lineId: 'L1', quantity: 2, amount: 1000 }], { reason: 'DAMAGED' });
    expect(shippingRefund({ order: o, lines: [{ lineId: 'L2', quantity: 1 }], reason: 'QUALITY_ISSUE', priorReturns: [p] })).toBe(800);
  });

  test('(b) shipped: a buyer-side reason anywhere ⇒ 0', () => {
    const o = order(lines2);
    const pBuyer = prior([{ lineId: 'L1', quantity: 2, amount: 1000 }], { reason: 'NO_LONGER_WANTED' });
    const pSeller = prior([{ lineId: 'L1', quantity: 2, amount: 1000 }], { reason: 'DAMAGED' });
    expect(shippingRefund({ order: o, lines: [{ lineId: 'L2', quantity: 1 }], reason: 'QUALITY_ISSUE', priorReturns: [pBuyer] })).toBe(0);
    expect(shippingRefund({ order: o, lines: [{ lineId: 'L2', quantity: 1 }], reason: 'WRONG_ORDER', priorReturns: [pSeller] })).toBe(0);
  });

  test('shipped, whole order at once, seller-side: fee; buyer-side: 0', () => {
    const o = order(lines2);
    const all = [
      { lineId: 'L1', quantity: 2 },
      { lineId: 'L2', quantity: 1 },
    ];
    expect(shippingRefund({ order: o, lines: all, reason: 'NOT_RECEIVED', priorReturns: [] })).toBe(800);
    expect(shippingRefund({ order: o, lines: all, reason: 'NO_LONGER_WANTED', priorReturns: [] })).toBe(0);
  });

  test('shipped, incomplete coverage, seller-side: 0', () => {
    const o = order(lines2);
    expect(shippingRefund({ order: o, lines: [{ lineId: 'L1', quantity: 1 }], reason: 'DAMAGED', priorReturns: [] })).toBe(0);
  });

  test('no shipping fee ⇒ 0', () => {
    const o = unshipped(order(lines2, { shippingFee: 0 }));
    const all = [
      { lineId: 'L1', quantity: 2 },
      { lineId: 'L2', quantity: 1 },
    ];
    expect(shippingRefund({ order: o, lines: all, reason: 'OTHER', priorReturns: [] })).toBe(0);
  });

  test('priors alone already covering everything ⇒ 0 for a further request', () => {
    const o = unshipped(order(lines2));
    const p = prior(
      [
        { lineId: 'L1', quantity: 2, amount: 1000 },
        { lineId: 'L2', quantity: 1, amount: 500 },
      ],
      { status: 'PENDING_REVIEW' },
    );
    expect(shippingRefund({ order: o, lines: [{ lineId: 'L2', quantity: 1 }], reason: 'OTHER', priorReturns: [p] })).toBe(0);
  });
});
