/**
 * Rule 8: the payment platform accepts refunds only within
 * policy.paymentRefundDays days of the payment. The earliest payment (each
 * payment's paidAt, falling back to order.paidAt) bounds the window, since a
 * refund may be split across every payment of the order.
 */
import type { Refusal } from '../../types';
import { addDays, formatShopTime, toDate } from '../../time';
import { ELIGIBILITY_CODES as C, refusal, type EligibilityContext } from '../context';

/** Last instant a refund through the original payment(s) is possible; null if no payment time is known. */
export function paymentWindowEndsAt(ctx: EligibilityContext): Date | null {
  const orderPaidAt = toDate(ctx.order.paidAt);
  const payments = Array.isArray(ctx.order.payments) ? ctx.order.payments : [];
  const times: Date[] = [];
  for (const p of payments) {
    const t = toDate(p?.paidAt) ?? orderPaidAt;
    if (t) times.push(t);
  }
  if (times.length === 0 && orderPaidAt) times.push(orderPaidAt);
  if (times.length === 0) return null;
  const earliest = Math.min(...times.map((t) => t.getTime()));
  return addDays(new Date(earliest), ctx.policy.paymentRefundDays);
}

export function checkPaymentWindow(ctx: EligibilityContext): Refusal[] {
  const end = paymentWindowEndsAt(ctx);
  if (end === null || ctx.now.getTime() <= end.getTime()) return [];
  return [
    refusal(
      C.PAYMENT_WINDOW_CLOSED,
      `该订单付款已超过${ctx.policy.paymentRefundDays}天，原路退款的期限已于${formatShopTime(end)}结束，` + '无法再通过原支付方式退款，请联系商家协商处理',
    ),
  ];
}
