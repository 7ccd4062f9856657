/**
 * The documented order shape (domain.md "Order"; README "Your orders"): amounts
 * in fen, `buyerOpenid`, `payments[]`, `lines[]` with `paidAmount`. Checked
 * field by field; dates may be Date, ISO text, epoch ms or EJSON `{ $date }`.
 */
import type { NoReasonExempt, Order, OrderLine, OrderStatus, Payment, PaymentKind } from '../policy/types';
import { toDate } from '../policy/time';
import { OrderShapeError } from './errors';
import type { OrderAdapter } from './adapter';

/** Statuses of an order that was paid: its money must add up. Any other status (unpaid, cancelled) is passed on for eligibility to refuse. */
const PAID: readonly OrderStatus[] = ['PAID', 'SHIPPED', 'RECEIVED', 'COMPLETED'];

export function text(doc: Record<string, unknown>, field: string, path = field): string {
  const v = doc[field];
  if (typeof v !== 'string' || !v) throw new OrderShapeError(path, '缺少或不是文本');
  return v;
}

export function fen(doc: Record<string, unknown>, field: string, path = field, min = 0): number {
  const v = doc[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new OrderShapeError(path, `须为不小于 ${min} 的整数（分）`);
  return v;
}

export function instant(doc: Record<string, unknown>, field: string, path = field, required = true): Date | undefined {
  const v = doc[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new OrderShapeError(path, '缺少时间');
    return undefined;
  }
  const d = toDate(v as Date);
  if (!d || Number.isNaN(d.getTime())) throw new OrderShapeError(path, '不是有效的时间');
  return d;
}

function list(doc: Record<string, unknown>, field: string): Record<string, unknown>[] {
  const v = doc[field];
  if (!Array.isArray(v) || !v.length || v.some((x) => !x || typeof x !== 'object')) throw new OrderShapeError(field, '须为非空列表');
  return v as Record<string, unknown>[];
}

/** Σ lines.paidAmount + shippingFee = Σ payments.amount (domain.md), or the order cannot be refunded by the rules. */
export function checkTotals(order: Order, field: string): Order {
  const owed = order.lines.reduce((s, l) => s + l.paidAmount, 0) + order.shippingFee;
  const paid = order.payments.reduce((s, p) => s + p.amount, 0);
  if (owed !== paid) throw new OrderShapeError(field, `商品实付合计加运费（${owed} 分）与支付合计（${paid} 分）不一致`);
  return order;
}

export const documentedOrders: OrderAdapter = {
  toOrder(doc) {
    const status = text(doc, 'status') as OrderStatus;
    const paid = PAID.includes(status);
    const paidAt = instant(doc, 'paidAt', 'paidAt', paid) as Date;
    const payments: Payment[] = (paid ? list(doc, 'payments') : ((doc.payments as Record<string, unknown>[]) ?? [])).map((p, i) => ({
      outTradeNo: text(p, 'outTradeNo', `payments[${i}].outTradeNo`),
      ...(typeof p.transactionId === 'string' ? { transactionId: p.transactionId } : {}),
      channel: 'WECHAT_PAY',
      amount: fen(p, 'amount', `payments[${i}].amount`, 1),
      paidAt: instant(p, 'paidAt', `payments[${i}].paidAt`, false) ?? paidAt,
      ...(p.kind ? { kind: p.kind as PaymentKind } : {}),
    }));
    const lines: OrderLine[] = list(doc, 'lines').map((l, i) => ({
      ...(l as unknown as OrderLine),
      lineId: text(l, 'lineId', `lines[${i}].lineId`),
      skuId: typeof l.skuId === 'string' ? l.skuId : '',
      title: typeof l.title === 'string' ? l.title : String(l.lineId),
      quantity: fen(l, 'quantity', `lines[${i}].quantity`, 1),
      unitPrice: typeof l.unitPrice === 'number' ? l.unitPrice : 0,
      paidAmount: fen(l, 'paidAmount', `lines[${i}].paidAmount`),
      ...(l.noReasonExempt ? { noReasonExempt: l.noReasonExempt as NoReasonExempt } : {}),
      ...(l.waiverConfirmedAt ? { waiverConfirmedAt: instant(l, 'waiverConfirmedAt', `lines[${i}].waiverConfirmedAt`) } : {}),
    }));
    const order: Order = {
      _id: text(doc, '_id'),
      buyerOpenid: text(doc, 'buyerOpenid'),
      status,
      paidAt,
      ...(doc.shippedAt ? { shippedAt: instant(doc, 'shippedAt') } : {}),
      ...(doc.receivedAt ? { receivedAt: instant(doc, 'receivedAt') } : {}),
      shippingFee: doc.shippingFee === undefined ? 0 : fen(doc, 'shippingFee'),
      payments,
      lines,
    };
    return paid ? checkTotals(order, 'payments') : order;
  },
};
