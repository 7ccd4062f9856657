import { settleRefund, type RefundPlan, type SettledEntry } from '../../../cloudfunctions/core/policy/amounts/settle';
import type { ReasonCode } from '../../../cloudfunctions/core/policy/types';

const NOW = new Date('2026-03-10T02:00:00.000Z');
const order = (status: 'PAID' | 'RECEIVED' = 'RECEIVED', shippingFee = 800) => ({
  status,
  shippedAt: status === 'PAID' ? undefined : new Date('2026-03-01T00:00:00Z'),
  shippingFee,
  lines: [
    { lineId: 'L1', skuId: 'S1', title: '甲', quantity: 3, unitPrice: 1000, paidAmount: 1000 },
    { lineId: 'L2', skuId: 'S2', title: '乙', quantity: 1, unitPrice: 6000, paidAmount: 6000 },
  ],
  payments: [{ outTradeNo: 'T1', channel: 'WECHAT_PAY' as const, amount: 7000 + shippingFee, paidAt: NOW }],
});
const plan = (lines: { lineId: string; quantity: number; amount: number }[], shipping = 0): RefundPlan => {
  const items = lines.reduce((s, l) => s + l.amount, 0);
  return { lines, items, shipping, postage: 0, total: items + shipping, target: items + shipping, offline: 0, lowered: false, at: NOW };
};
const settled = (returnId: string, reason: ReasonCode, p: RefundPlan | null, status: SettledEntry['status'] = 'REFUNDED'): SettledEntry => ({
  returnId,
  status,
  reason,
  lines: p?.lines ?? [],
  refundPlan: p,
});
const self = (lines: { lineId: string; quantity: number }[], reason: ReasonCode = 'QUALITY_ISSUE', extra = {}) => ({
  returnId: 'R9',
  type: 'RETURN_REFUND' as const,
  reason,
  lines,
  ...extra,
});
const policy = { returnShippingCap: 2000 };

describe('settleRefund: amounts decided from the ledger when the refund is planned', () => {
  it('k of n units: floor, and the refund that completes the line takes the remainder (settled others only)', () => {
    const r1 = settleRefund({ order: order(), entries: [], self: self([{ lineId: 'L1', quantity: 1 }]), policy, now: NOW });
    expect(r1.ok && r1.plan.lines).toEqual([{ lineId: 'L1', quantity: 1, amount: 333 }]);
    const others = [settled('R1', 'QUALITY_ISSUE', plan([{ lineId: 'L1', quantity: 2, amount: 666 }]))];
    const r2 = settleRefund({ order: order(), entries: others, self: self([{ lineId: 'L1', quantity: 1 }]), policy, now: NOW });
    expect(r2.ok && r2.plan.lines[0].amount).toBe(334);
  });

  it('an after-sale that was cancelled, closed or withdrawn (no plan) does not count', () => {
    const unsettled = { returnId: 'R1', status: 'CANCELLED' as const, reason: 'QUALITY_ISSUE' as ReasonCode, lines: [{ lineId: 'L2', quantity: 1, amount: 6000 }] };
    const r = settleRefund({ order: order(), entries: [unsettled], self: self([{ lineId: 'L1', quantity: 3 }]), policy, now: NOW });
    expect(r.ok && r.plan).toMatchObject({ items: 1000, shipping: 0, total: 1000 });
  });

  it('units already settled elsewhere: UNITS_TAKEN', () => {
    const others = [settled('R1', 'QUALITY_ISSUE', plan([{ lineId: 'L2', quantity: 1, amount: 6000 }]))];
    const r = settleRefund({ order: order(), entries: others, self: self([{ lineId: 'L2', quantity: 1 }]), policy, now: NOW });
    expect(r).toMatchObject({ ok: false, code: 'UNITS_TAKEN', lineId: 'L2' });
  });

  it('shipping only in the refund that completes every unit, seller-side throughout (shipped order), once', () => {
    const others = [settled('R1', 'QUALITY_ISSUE', plan([{ lineId: 'L2', quantity: 1, amount: 6000 }]))];
    const last = settleRefund({ order: order(), entries: others, self: self([{ lineId: 'L1', quantity: 3 }]), policy, now: NOW });
    expect(last.ok && last.plan).toMatchObject({ shipping: 800, total: 1800 });
    const buyerSide = settleRefund({ order: order(), entries: others, self: self([{ lineId: 'L1', quantity: 3 }], 'NO_LONGER_WANTED'), policy, now: NOW });
    expect(buyerSide.ok && buyerSide.plan.shipping).toBe(0);
    const taken = [settled('R1', 'QUALITY_ISSUE', plan([{ lineId: 'L2', quantity: 1, amount: 6000 }], 800))];
    const again = settleRefund({ order: order(), entries: taken, self: self([{ lineId: 'L1', quantity: 3 }]), policy, now: NOW });
    expect(again.ok && again.plan.shipping).toBe(0);
  });

  it('an unshipped order refunds the fee with the completing refund whatever the reason', () => {
    const r = settleRefund({
      order: order('PAID'),
      entries: [],
      self: self(
        [
          { lineId: 'L1', quantity: 3 },
          { lineId: 'L2', quantity: 1 },
        ],
        'NO_LONGER_WANTED',
      ),
      policy,
      now: NOW,
    });
    expect(r.ok && r.plan).toMatchObject({ items: 7000, shipping: 800, total: 7800, target: 7800 });
  });

  it('postage only for a self-shipped return that never had a pickup, capped, and only as far as the payments carry it', () => {
    const noFee = order('RECEIVED', 0);
    const shippedSelf = settleRefund({
      order: noFee,
      entries: [],
      self: self([{ lineId: 'L2', quantity: 1 }], 'QUALITY_ISSUE', { logistics: { mode: 'SELF_SHIP', postage: 3000 } }),
      policy,
      now: NOW,
    });
    // 7000 paid, L2 6000 settled, L1 (1000) still refundable later: no room, the capped claim (2000) is owed offline.
    expect(shippedSelf.ok && shippedSelf.plan).toMatchObject({ postage: 0, offline: 2000, total: 6000 });
    const afterPickup = settleRefund({
      order: noFee,
      entries: [],
      self: self([{ lineId: 'L2', quantity: 1 }], 'QUALITY_ISSUE', { logistics: { mode: 'SELF_SHIP', postage: 3000 }, pickupEver: true }),
      policy,
      now: NOW,
    });
    expect(afterPickup.ok && afterPickup.plan).toMatchObject({ postage: 0, offline: 0 });
    const lowered = settleRefund({
      order: noFee,
      entries: [],
      self: self([{ lineId: 'L2', quantity: 1 }], 'QUALITY_ISSUE', { logistics: { mode: 'SELF_SHIP', postage: 3000 } }),
      requested: 7000,
      policy,
      now: NOW,
    });
    expect(lowered.ok && lowered.plan).toMatchObject({ target: 6000, offline: 1000, lowered: true });
  });

  it('a requested amount above the settled maximum is refused with the maximum', () => {
    const r = settleRefund({ order: order(), entries: [], self: self([{ lineId: 'L2', quantity: 1 }]), requested: 6001, policy, now: NOW });
    expect(r).toMatchObject({ ok: false, code: 'AMOUNT_ABOVE_MAXIMUM', maximum: 6000 });
  });
});
