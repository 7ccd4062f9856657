import { checkPaymentWindow, paymentWindowEndsAt } from '../../../cloudfunctions/core/policy/eligibility/rules/paymentWindow';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { Payment } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, PAID_AT, at, makeEligibilityContext, makeOrder, makePayment, makePolicy, plusMs } from '../fixtures';

describe('rule 8: refund window of the payment platform (paidAt + paymentRefundDays)', () => {
  // PAID_AT = 2026-01-20T02:00:00Z; + 365 days = 2027-01-20T02:00:00Z (10:00 Shanghai)
  const end = at('2027-01-20T02:00:00Z');

  it('ends paymentRefundDays after the payment', () => {
    expect(PAID_AT.toISOString()).toBe('2026-01-20T02:00:00.000Z');
    expect(paymentWindowEndsAt(makeEligibilityContext())?.toISOString()).toBe(end.toISOString());
  });

  it('accepts up to and including the last instant, refuses one ms later', () => {
    expect(checkPaymentWindow(makeEligibilityContext({ now: end }))).toEqual([]);
    const r = checkPaymentWindow(makeEligibilityContext({ now: plusMs(end, 1) }));
    expect(r).toHaveLength(1);
    expect(r[0].code).toBe(C.PAYMENT_WINDOW_CLOSED);
    expect(r[0].lineId).toBeUndefined();
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain('2027-01-20 10:00');
    expect(r[0].message).toContain('原路退款');
    expect(r[0].message).toContain('联系商家');
  });

  it('uses the earliest payment (deposit before balance)', () => {
    const order = makeOrder({
      paidAt: at('2026-03-01T00:00:00Z'),
      payments: [
        makePayment({ outTradeNo: 'T-BAL', kind: 'BALANCE', amount: 10000, paidAt: at('2026-03-01T00:00:00Z') }),
        makePayment({ outTradeNo: 'T-DEP', kind: 'DEPOSIT', amount: 3000, paidAt: at('2026-02-01T00:00:00Z') }),
      ],
    });
    const ctx = makeEligibilityContext({ order, now: at('2027-02-01T00:00:00.001Z') });
    expect(paymentWindowEndsAt(ctx)?.toISOString()).toBe('2027-02-01T00:00:00.000Z');
    expect(checkPaymentWindow(ctx).map((x) => x.code)).toEqual([C.PAYMENT_WINDOW_CLOSED]);
    expect(checkPaymentWindow({ ...ctx, now: at('2027-02-01T00:00:00.000Z') })).toEqual([]);
  });

  it('falls back to order.paidAt for a payment without paidAt', () => {
    const payment = { ...makePayment({ amount: 13000 }), paidAt: undefined } as unknown as Payment;
    const order = makeOrder({ paidAt: at('2025-06-01T00:00:00Z'), payments: [payment] });
    const ctx = makeEligibilityContext({ order, now: at('2026-06-01T00:00:00.001Z') });
    expect(paymentWindowEndsAt(ctx)?.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(checkPaymentWindow(ctx).map((x) => x.code)).toEqual([C.PAYMENT_WINDOW_CLOSED]);
  });

  it('uses order.paidAt when the order lists no payments', () => {
    const order = makeOrder({ paidAt: at('2025-06-01T00:00:00Z'), payments: [] });
    const ctx = makeEligibilityContext({ order, now: at('2026-05-31T23:59:59Z') });
    expect(checkPaymentWindow(ctx)).toEqual([]);
    expect(checkPaymentWindow({ ...ctx, now: at('2026-06-01T00:00:01Z') }).map((x) => x.code)).toEqual([C.PAYMENT_WINDOW_CLOSED]);
  });

  it('follows policy.paymentRefundDays', () => {
    const ctx = makeEligibilityContext({ policy: makePolicy({ paymentRefundDays: 10 }), now: at('2026-01-30T02:00:00.001Z') });
    const r = checkPaymentWindow(ctx);
    expect(r.map((x) => x.code)).toEqual([C.PAYMENT_WINDOW_CLOSED]);
    expect(r[0].message).toContain('10天');
    expect(r[0].message).toContain('2026-01-30 10:00');
  });
});
