/**
 * Property tests of the amounts module: random orders, random sequences of
 * partial after-sales (some cancelled, some lowered, some with postage, some
 * refund attempts closed and redone) until every unit is returned.
 */
import fc from 'fast-check';
import {
  addPostage,
  adjustRefundAmount,
  computeReturnAmounts,
  countedPriorReturns,
  paymentBalances,
  postageRoom,
  reimbursedPostage,
  splitAcrossPayments,
  refundedPerPayment,
} from '../../../cloudfunctions/core/policy/amounts';
import { REASON_CODES, reasonSide } from '../../../cloudfunctions/core/policy/reasons';
import { DEFAULT_POLICY } from '../../../cloudfunctions/core/policy/settings';
import type { Order, PriorReturn, ReasonCode, ReturnStatus } from '../../../cloudfunctions/core/policy/types';

interface RefundRec {
  returnId: string;
  outTradeNo: string;
  refundFee: number;
  status: string;
}

const orderArb = fc
  .record({
    lines: fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 5 }), paidAmount: fc.integer({ min: 0, max: 100_000 }) }), { minLength: 1, maxLength: 5 }),
    shippingFee: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 })),
    shipped: fc.boolean(),
    split: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  })
  .map(({ lines, shippingFee, shipped, split }): Order => {
    const total = lines.reduce((s, l) => s + l.paidAmount, 0) + shippingFee;
    const paidAt = new Date('2026-03-01T02:00:00Z');
    const deposit = split === undefined || total < 2 ? undefined : Math.min(total - 1, Math.max(1, Math.floor(total * split)));
    return {
      _id: 'O1',
      buyerOpenid: 'b',
      status: shipped ? 'SHIPPED' : 'PAID',
      shippedAt: shipped ? new Date('2026-03-02T02:00:00Z') : undefined,
      paidAt,
      shippingFee,
      payments:
        deposit === undefined
          ? [{ outTradeNo: 'FULL', channel: 'WECHAT_PAY', amount: total, paidAt, kind: 'FULL' }]
          : [
              { outTradeNo: 'DEP', channel: 'WECHAT_PAY', amount: deposit, paidAt, kind: 'DEPOSIT' },
              { outTradeNo: 'BAL', channel: 'WECHAT_PAY', amount: total - deposit, paidAt, kind: 'BALANCE' },
            ],
      lines: lines.map((l, i) => ({
        lineId: `L${i}`,
        skuId: `S${i}`,
        title: `商品${i}`,
        quantity: l.quantity,
        unitPrice: Math.ceil(l.paidAmount / l.quantity),
        paidAmount: l.paidAmount,
      })),
    };
  });

const stepArb = fc.record({
  mask: fc.integer({ min: 1, max: 31 }),
  qty: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
  reason: fc.constantFrom(...REASON_CODES),
  cancel: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  lowerBy: fc.oneof(fc.constant(0), fc.nat({ max: 5_000 })),
  postage: fc.oneof(fc.constant(0), fc.nat({ max: 5_000 })),
  closeFirst: fc.boolean(),
  status: fc.constantFrom<ReturnStatus>('REFUNDED', 'REFUNDING', 'REFUND_FAILED'),
});

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

interface Sim {
  returns: (PriorReturn & { lowered: boolean; postage: number; total: number })[];
  refunds: RefundRec[];
}

function heldUnits(returns: readonly PriorReturn[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of countedPriorReturns(returns)) for (const l of r.lines) m.set(l.lineId, (m.get(l.lineId) ?? 0) + l.quantity);
  return m;
}

function simulate(order: Order, steps: Step[], finalReason: ReasonCode): Sim {
  const sim: Sim = { returns: [], refunds: [] };
  const type = order.shippedAt ? 'RETURN_REFUND' : 'REFUND_ONLY';
  let n = 0;
  const run = (lines: { lineId: string; quantity: number }[], s: Step | undefined, reason: ReasonCode) => {
    n += 1;
    const returnId = `R20260301${String(n).padStart(4, '0')}`;
    const computed = computeReturnAmounts({ order, lines, reason, priorReturns: sim.returns });
    for (const l of computed.lines) expect(l.amount).toBeGreaterThanOrEqual(0);
    if (s?.cancel) {
      sim.returns.push({ returnId, status: 'CANCELLED', type, reason, lines: computed.lines, shippingRefunded: computed.amounts.shipping, lowered: false, postage: 0, total: 0 });
      return;
    }
    let amounts = computed.amounts;
    let postage = 0;
    if (type === 'RETURN_REFUND' && s && s.postage > 0) {
      const declared = reimbursedPostage({ reason, mode: 'SELF_SHIP', declared: s.postage, policy: DEFAULT_POLICY });
      expect(declared).toBeLessThanOrEqual(DEFAULT_POLICY.returnShippingCap);
      const room = postageRoom({ order, priorReturns: sim.returns, lines: computed.lines, amounts });
      postage = Math.min(declared, room);
      amounts = addPostage(amounts, postage);
    }
    let total = amounts.total;
    let lowered = false;
    if (type === 'RETURN_REFUND' && s && s.lowerBy > 0 && total > 1) {
      const adj = adjustRefundAmount(type, total, Math.max(1, total - s.lowerBy));
      expect(adj.ok).toBe(true);
      if (adj.ok) {
        lowered = adj.lowered;
        total = adj.amount;
      }
    }
    const shares = splitAcrossPayments(total, paymentBalances(order.payments, sim.refunds));
    expect(shares.reduce((a, x) => a + x.amount, 0)).toBe(total);
    if (s?.closeFirst) {
      for (const sh of shares) sim.refunds.push({ returnId, outTradeNo: sh.outTradeNo, refundFee: sh.amount, status: 'CLOSED' });
      // a new attempt after the platform closed the first one: same split
      expect(splitAcrossPayments(total, paymentBalances(order.payments, sim.refunds))).toEqual(shares);
    }
    for (const sh of shares) sim.refunds.push({ returnId, outTradeNo: sh.outTradeNo, refundFee: sh.amount, status: s?.closeFirst ? 'PROCESSING' : 'SUCCESS' });
    sim.returns.push({
      returnId,
      status: s?.status ?? 'REFUNDED',
      type,
      reason,
      lines: computed.lines,
      shippingRefunded: computed.amounts.shipping,
      refundTotal: total,
      lowered,
      postage,
      total,
    });
  };

  for (const s of steps) {
    const held = heldUnits(sim.returns);
    const open = order.lines.filter((l) => (held.get(l.lineId) ?? 0) < l.quantity);
    if (open.length === 0) break;
    let chosen = open.filter((_, i) => (s.mask >> i) & 1);
    if (chosen.length === 0) chosen = [open[0]];
    const lines = chosen.map((l, i) => {
      const left = l.quantity - (held.get(l.lineId) ?? 0);
      return { lineId: l.lineId, quantity: 1 + (s.qty[i] % left) };
    });
    const reason = order.shippedAt ? s.reason : s.reason; // any reason is allowed for REFUND_ONLY
    run(lines, s, reason);
  }
  // Return whatever is left in one last request.
  const held = heldUnits(sim.returns);
  const rest = order.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity - (held.get(l.lineId) ?? 0) })).filter((l) => l.quantity > 0);
  if (rest.length) run(rest, undefined, finalReason);
  return sim;
}

const scenarioArb = fc.record({
  order: orderArb,
  steps: fc.array(stepArb, { maxLength: 12 }),
  finalReason: fc.constantFrom(...REASON_CODES),
});

describe('amounts properties', () => {
  test('invariants over random orders and return sequences', () => {
    fc.assert(
      fc.property(scenarioArb, ({ order, steps, finalReason }) => {
        const sim = simulate(order, steps, finalReason);
        const counted = countedPriorReturns(sim.returns);
        const paymentsTotal = order.payments.reduce((s, p) => s + p.amount, 0);

        // every unit is returned exactly once among counted after-sales
        const held = heldUnits(sim.returns);
        for (const l of order.lines) expect(held.get(l.lineId)).toBe(l.quantity);

        // the units of each line sum exactly to its paidAmount
        for (const l of order.lines) {
          const sum = counted
            .flatMap((r) => r.lines)
            .filter((x) => x.lineId === l.lineId)
            .reduce((s, x) => s + x.amount, 0);
          expect(sum).toBe(l.paidAmount);
        }

        // no amount negative
        for (const r of sim.returns) for (const l of r.lines) expect(l.amount).toBeGreaterThanOrEqual(0);
        for (const f of sim.refunds) expect(f.refundFee).toBeGreaterThan(0);

        // per payment: Σ non-closed refunds ≤ amount
        const per = refundedPerPayment(sim.refunds);
        for (const p of order.payments) expect(per[p.outTradeNo] ?? 0).toBeLessThanOrEqual(p.amount);
        for (const k of Object.keys(per)) expect(order.payments.some((p) => p.outTradeNo === k)).toBe(true);

        // Σ all refunds ≤ Σ payments, and refunds of each return = its total
        const refunded = Object.values(per).reduce((s, x) => s + x, 0);
        expect(refunded).toBeLessThanOrEqual(paymentsTotal);
        for (const r of sim.returns) {
          const sum = sim.refunds.filter((f) => f.returnId === r.returnId && f.status !== 'CLOSED').reduce((s, f) => s + f.refundFee, 0);
          expect(sum).toBe(r.status === 'CANCELLED' ? 0 : r.total);
        }

        // the shipping fee is refunded at most once
        const shippingCount = counted.filter((r) => (r.shippingRefunded ?? 0) > 0).length;
        expect(shippingCount).toBeLessThanOrEqual(1);

        // everything returned before shipment ⇒ exactly Σ payments back
        if (!order.shippedAt) {
          expect(refunded).toBe(paymentsTotal);
          if (order.shippingFee > 0) expect(shippingCount).toBe(1);
        }

        // shipped, all for seller-side reasons, nothing lowered ⇒ everything back too (postage fits only where room is left)
        if (order.shippedAt && counted.every((r) => reasonSide(r.reason) === 'SELLER') && counted.every((r) => !r.lowered)) {
          expect(refunded).toBe(paymentsTotal);
          expect(counted.every((r) => r.postage === 0)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('split: shares sum to total, never exceed remaining, proportional within 1 fen', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ amount: fc.integer({ min: 0, max: 10_000_000 }), refundedFrac: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 4 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ps, frac) => {
          const payments = ps.map((p, i) => ({ outTradeNo: `T${i}`, amount: p.amount, refunded: Math.floor(p.amount * p.refundedFrac) }));
          const remaining = payments.map((p) => p.amount - p.refunded);
          const sum = remaining.reduce((s, r) => s + r, 0);
          const total = Math.floor(sum * frac);
          const shares = splitAcrossPayments(total, payments);
          expect(shares.reduce((s, x) => s + x.amount, 0)).toBe(total);
          for (const sh of shares) {
            const i = payments.findIndex((p) => p.outTradeNo === sh.outTradeNo);
            expect(sh.amount).toBeGreaterThan(0);
            expect(sh.amount).toBeLessThanOrEqual(remaining[i]);
            expect(Math.abs(sh.amount - (total * remaining[i]) / sum)).toBeLessThan(1);
          }
          // order preserved
          const idx = shares.map((sh) => payments.findIndex((p) => p.outTradeNo === sh.outTradeNo));
          expect([...idx].sort((a, b) => a - b)).toEqual(idx);
        },
      ),
      { numRuns: 200 },
    );
  });
});
