/**
 * A worked example of an order adapter for a shop whose orders are not in the
 * documented shape — the shape many mini-program shops write from the client:
 *
 *   { _id, _openid,                       // the buyer (written by the mini-program)
 *     status: '待发货' | '已发货' | '已签收' | '已完成' | '已取消',
 *     payTime, deliverTime?, signTime?,   // Date, ISO text or epoch ms
 *     out_trade_no, transaction_id?, total_fee: '178.00',   // one payment, yuan as text
 *     freight: '8.00',                    // outbound shipping, yuan
 *     discount: '20.00',                  // order-level coupon, yuan
 *     items: [{ id, sku_id, name, count, price: '95.00', image?, category? }] }  // unit prices before the discount
 *
 * Yuan become fen exactly (decimal text, no floating point). The order-level
 * discount is spread over the items in proportion to their price × count,
 * largest remainder (ties: the earlier item), so each line's paidAmount is
 * what the buyer really paid for it and Σ paidAmount + freight = total_fee
 * (checked: a mismatch is an error naming `total_fee`, never a guess).
 */
import type { Order, OrderLine, OrderStatus } from '../../core/policy/types';
import type { OrderAdapter } from '../../core/orders/adapter';
import { OrderShapeError } from '../../core/orders/errors';
import { largestRemainder, yuanToFen } from '../../core/orders/money';
import { checkTotals, instant, text } from '../../core/orders/documented';

const STATUS: Readonly<Record<string, OrderStatus>> = {
  待发货: 'PAID',
  已发货: 'SHIPPED',
  已签收: 'RECEIVED',
  已完成: 'COMPLETED',
  已取消: 'CANCELLED',
};

export const yuanOrders: OrderAdapter = {
  toOrder(doc) {
    const status = STATUS[String(doc.status)];
    if (!status) throw new OrderShapeError('status', `订单状态「${String(doc.status)}」不是 ${Object.keys(STATUS).join(' / ')}`);
    const items = doc.items;
    if (!Array.isArray(items) || !items.length) throw new OrderShapeError('items', '须为非空列表');
    const gross = items.map((it: Record<string, unknown>, i: number) => {
      const count = it.count;
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) throw new OrderShapeError(`items[${i}].count`, '须为正整数');
      return { it, i, count, unit: yuanToFen(it.price, `items[${i}].price`) };
    });
    const discount = doc.discount === undefined || doc.discount === null ? 0 : yuanToFen(doc.discount, 'discount');
    const weights = gross.map((g) => g.unit * g.count);
    if (discount > weights.reduce((s, w) => s + w, 0)) throw new OrderShapeError('discount', '优惠金额大于商品金额');
    const shares = largestRemainder(discount, weights);
    const lines: OrderLine[] = gross.map(({ it, i, count, unit }, k) => ({
      lineId: text(it, 'id', `items[${i}].id`),
      skuId: typeof it.sku_id === 'string' ? it.sku_id : '',
      title: typeof it.name === 'string' ? it.name : text(it, 'id', `items[${i}].id`),
      ...(typeof it.image === 'string' ? { image: it.image } : {}),
      ...(typeof it.category === 'string' ? { category: it.category } : {}),
      quantity: count,
      unitPrice: unit,
      paidAmount: weights[k] - shares[k],
    }));
    const paidAt = instant(doc, 'payTime') as Date;
    const order: Order = {
      _id: text(doc, '_id'),
      buyerOpenid: text(doc, '_openid'),
      status,
      paidAt,
      ...(doc.deliverTime ? { shippedAt: instant(doc, 'deliverTime') } : {}),
      ...(doc.signTime ? { receivedAt: instant(doc, 'signTime') } : {}),
      shippingFee: doc.freight === undefined || doc.freight === null ? 0 : yuanToFen(doc.freight, 'freight'),
      payments: [
        {
          outTradeNo: text(doc, 'out_trade_no'),
          ...(typeof doc.transaction_id === 'string' ? { transactionId: doc.transaction_id } : {}),
          channel: 'WECHAT_PAY',
          amount: yuanToFen(doc.total_fee, 'total_fee'),
          paidAt,
          kind: 'FULL',
        },
      ],
      lines,
    };
    return checkTotals(order, 'total_fee');
  },
};
