/** Small local fixtures for the amounts tests (not shared). */
import type { Order, OrderLine, PriorReturn, ReasonCode, ReturnLine, ReturnStatus } from '../../../cloudfunctions/core/policy/types';

export function line(lineId: string, quantity: number, paidAmount: number): OrderLine {
  return { lineId, skuId: `sku-${lineId}`, title: `商品${lineId}`, quantity, unitPrice: Math.ceil(paidAmount / quantity), paidAmount };
}

export function order(lines: OrderLine[], opts: Partial<Order> = {}): Order {
  const shippingFee = opts.shippingFee ?? 800;
  const total = lines.reduce((s, l) => s + l.paidAmount, 0) + shippingFee;
  return {
    _id: 'O1',
    buyerOpenid: 'buyer-1',
    status: 'SHIPPED',
    paidAt: new Date('2026-01-01T02:00:00Z'),
    shippedAt: new Date('2026-01-02T02:00:00Z'),
    shippingFee,
    payments: [{ outTradeNo: 'T1', channel: 'WECHAT_PAY', amount: total, paidAt: new Date('2026-01-01T02:00:00Z') }],
    lines,
    ...opts,
  };
}

export function unshipped(o: Order): Order {
  const { shippedAt, ...rest } = o;
  return { ...rest, status: 'PAID' };
}

let seq = 0;
export function prior(lines: ReturnLine[], opts: { status?: ReturnStatus; reason?: ReasonCode; shippingRefunded?: number; returnId?: string } = {}): PriorReturn {
  seq += 1;
  return {
    returnId: opts.returnId ?? `R20260101${String(seq).padStart(4, '0')}`,
    status: opts.status ?? 'REFUNDED',
    type: 'RETURN_REFUND',
    reason: opts.reason ?? 'NO_LONGER_WANTED',
    lines,
    shippingRefunded: opts.shippingRefunded,
  };
}
