/**
 * The last-line money guard: checked before every pay call, against what was
 * bought and paid, trusting no path that led here. Its inputs are the order
 * (what was bought and paid), the after-sales' settled refund plans as stored
 * on the after-sales themselves (not the ledger), and every refund record of
 * the order. Pure: answers the violations found (empty = pay).
 *
 * - every live record (not CLOSED / OFFLINE) belongs to an after-sale of the
 *   order with a settled plan, goes back to a payment of the order (原路退回)
 *   with that payment's total, and the after-sale's live records never sum
 *   above its plan's target;
 * - per line: Σ units and Σ fen of the settled plans ≤ bought / paid;
 * - the outbound shipping fee in at most one plan, never above the fee;
 * - per payment: Σ live records ≤ what it paid.
 */
import type { Order } from '../types';
import type { RefundPlan } from './settle';

export interface GuardInput {
  order: Pick<Order, '_id' | 'lines' | 'payments' | 'shippingFee'>;
  returns: readonly { _id: string; orderId: string; refundPlan?: RefundPlan | null }[];
  refunds: readonly { _id: string; returnId: string; orderId?: string; outTradeNo: string; totalFee: number; refundFee: number; live: boolean }[];
}

export interface GuardViolation {
  code: 'LEDGER_GUARD';
  rule: 'RECORD_WITHOUT_PLAN' | 'RECORD_NOT_ORIGINAL_PAYMENT' | 'RECORDS_ABOVE_PLAN' | 'LINE_UNITS' | 'LINE_AMOUNT' | 'SHIPPING' | 'PAYMENT';
  message: string;
  returnId?: string;
  lineId?: string;
  outTradeNo?: string;
}

export function checkMoney(input: GuardInput): GuardViolation[] {
  const { order } = input;
  const out: GuardViolation[] = [];
  const v = (rule: GuardViolation['rule'], message: string, at: Partial<GuardViolation> = {}) => out.push({ code: 'LEDGER_GUARD', rule, message, ...at });
  const plans = new Map<string, RefundPlan>();
  for (const r of input.returns) if (r.orderId === order._id && r.refundPlan) plans.set(r._id, r.refundPlan);
  const live = input.refunds.filter((r) => r.live);

  const perReturn = new Map<string, number>();
  const perPayment = new Map<string, number>();
  for (const r of live) {
    const payment = order.payments.find((p) => p.outTradeNo === r.outTradeNo);
    if (!payment || r.totalFee !== payment.amount) v('RECORD_NOT_ORIGINAL_PAYMENT', `退款单 ${r._id} 不是退回订单的原支付`, { returnId: r.returnId, outTradeNo: r.outTradeNo });
    if (!plans.has(r.returnId)) v('RECORD_WITHOUT_PLAN', `退款单 ${r._id} 没有结算依据`, { returnId: r.returnId });
    perReturn.set(r.returnId, (perReturn.get(r.returnId) ?? 0) + r.refundFee);
    perPayment.set(r.outTradeNo, (perPayment.get(r.outTradeNo) ?? 0) + r.refundFee);
  }
  for (const [returnId, sum] of perReturn) {
    const plan = plans.get(returnId);
    if (plan && sum > plan.target) v('RECORDS_ABOVE_PLAN', `售后 ${returnId} 的退款单合计 ${sum} 分，超过结算金额 ${plan.target} 分`, { returnId });
  }
  for (const p of order.payments) {
    const sum = perPayment.get(p.outTradeNo) ?? 0;
    if (sum > p.amount) v('PAYMENT', `支付 ${p.outTradeNo} 的退款合计 ${sum} 分，超过实付 ${p.amount} 分`, { outTradeNo: p.outTradeNo });
  }
  for (const line of order.lines) {
    let units = 0;
    let amount = 0;
    for (const plan of plans.values()) {
      for (const l of plan.lines) {
        if (l.lineId !== line.lineId) continue;
        units += l.quantity;
        amount += l.amount;
      }
    }
    if (units > line.quantity) v('LINE_UNITS', `「${line.title}」退款 ${units} 件，超过购买的 ${line.quantity} 件`, { lineId: line.lineId });
    if (amount > line.paidAmount) v('LINE_AMOUNT', `「${line.title}」退款 ${amount} 分，超过实付 ${line.paidAmount} 分`, { lineId: line.lineId });
  }
  const withShipping = [...plans.entries()].filter(([, p]) => p.shipping > 0);
  const shipping = withShipping.reduce((s, [, p]) => s + p.shipping, 0);
  if (withShipping.length > 1 || shipping > Math.max(0, order.shippingFee ?? 0)) {
    v('SHIPPING', `运费退款 ${shipping} 分（${withShipping.length} 次），超过订单运费 ${order.shippingFee ?? 0} 分或重复退还`);
  }
  return out;
}
