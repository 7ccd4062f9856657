import { postageRoom, reimbursedPostage } from '../../../cloudfunctions/core/policy/amounts';
import { line, order, prior } from './helpers';
import { DEFAULT_POLICY } from '../../../cloudfunctions/core/policy/settings';

describe('reimbursedPostage', () => {
  const policy = DEFAULT_POLICY; // cap 2000

  test('seller-side + self-ship: declared, capped', () => {
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: 1200, policy })).toBe(1200);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: 2000, policy })).toBe(2000);
    expect(reimbursedPostage({ reason: 'QUALITY_ISSUE', mode: 'SELF_SHIP', declared: 5000, policy })).toBe(2000);
    expect(reimbursedPostage({ reason: 'QUALITY_ISSUE', mode: 'SELF_SHIP', declared: 5000, policy: { returnShippingCap: 1500 } })).toBe(1500);
  });

  test('buyer-side ⇒ 0', () => {
    expect(reimbursedPostage({ reason: 'NO_LONGER_WANTED', mode: 'SELF_SHIP', declared: 1200, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'OTHER', mode: 'SELF_SHIP', declared: 1200, policy })).toBe(0);
  });

  test('pickup or no logistics ⇒ 0', () => {
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'PICKUP', declared: 1200, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', declared: 1200, policy })).toBe(0);
  });

  test('missing / negative / non-finite / fractional declared', () => {
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: -5, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: Number.NaN, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: Infinity, policy })).toBe(0);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: 999.9, policy })).toBe(999);
    expect(reimbursedPostage({ reason: 'DAMAGED', mode: 'SELF_SHIP', declared: 100, policy: { returnShippingCap: 0 } })).toBe(0);
  });
});

describe('postageRoom', () => {
  const lines = [line('L1', 1, 1000), line('L2', 1, 500)];
  // payments: 1000 + 500 + 800 shipping = 2300

  test('no room when every fen is still owed to later refunds', () => {
    const o = order(lines);
    expect(postageRoom({ order: o, priorReturns: [], lines: [{ lineId: 'L1', quantity: 1, amount: 1000 }], amounts: { items: 1000, shipping: 0 } })).toBe(0);
  });

  test('amounts lowered by the merchant make room', () => {
    const o = order(lines);
    const p = { ...prior([{ lineId: 'L2', quantity: 1, amount: 500 }], { reason: 'DAMAGED' }), refundTotal: 200 };
    // shipping still reserved (may be refunded with this completing seller-side request: it is)
    expect(postageRoom({ order: o, priorReturns: [p], lines: [{ lineId: 'L1', quantity: 1, amount: 1000 }], amounts: { items: 1000, shipping: 800 } })).toBe(300);
  });

  test('a shipping fee that can no longer be refunded makes room', () => {
    const o = order(lines);
    const p = prior([{ lineId: 'L2', quantity: 1, amount: 500 }], { reason: 'NO_LONGER_WANTED', status: 'REFUNDED' });
    expect(postageRoom({ order: o, priorReturns: [p], lines: [{ lineId: 'L1', quantity: 1, amount: 1000 }], amounts: { items: 1000, shipping: 0 } })).toBe(800);
    // an open buyer-side return could still be cancelled: the fee stays reserved
    const open = prior([{ lineId: 'L2', quantity: 1, amount: 500 }], { reason: 'NO_LONGER_WANTED', status: 'PENDING_REVIEW' });
    expect(postageRoom({ order: o, priorReturns: [open], lines: [{ lineId: 'L1', quantity: 1, amount: 1000 }], amounts: { items: 1000, shipping: 0 } })).toBe(0);
  });
});
