import { documentedOrders } from '../../cloudfunctions/core/orders/documented';
import { yuanOrders } from '../../cloudfunctions/shop/examples/yuanOrders';
import { OrderShapeError } from '../../cloudfunctions/core/orders/errors';
import { ORDER_ADAPTERS, DEFAULT_ORDER_ADAPTER } from '../../cloudfunctions/shop/orderAdapter';

const yuanDoc = () => ({
  _id: 'Y1',
  _openid: 'o_buyer',
  status: '已签收',
  payTime: '2026-03-01T02:00:00.000Z',
  deliverTime: '2026-03-02T02:00:00.000Z',
  signTime: { $date: '2026-03-04T02:00:00.000Z' },
  out_trade_no: 'WX1',
  transaction_id: '4200001',
  total_fee: '198.00',
  freight: '8.00',
  discount: '20.00',
  items: [
    { id: 'I1', sku_id: 'S1', name: 'T恤', count: 2, price: '47.50' },
    { id: 'I2', sku_id: 'S2', name: '短裤', count: 1, price: '115.00' },
  ],
});

function shapeError(fn: () => unknown): OrderShapeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OrderShapeError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('the worked example: yuan orders', () => {
  it('reads the shop shape into the product view: fen, one payment, statuses, the discount spread by the remainder rule', () => {
    const o = yuanOrders.toOrder(yuanDoc());
    expect(o).toMatchObject({
      _id: 'Y1',
      buyerOpenid: 'o_buyer',
      status: 'RECEIVED',
      shippingFee: 800,
      payments: [{ outTradeNo: 'WX1', transactionId: '4200001', amount: 19800, kind: 'FULL' }],
    });
    // gross 9500 and 11500; discount 2000 → 905 and 1095 (largest remainder), paid 8595 + 10405 + 800 = 19800
    expect(o.lines.map((l) => [l.lineId, l.quantity, l.unitPrice, l.paidAmount])).toEqual([
      ['I1', 2, 4750, 8595],
      ['I2', 1, 11500, 10405],
    ]);
    expect(o.receivedAt?.toISOString()).toBe('2026-03-04T02:00:00.000Z');
  });

  it('refuses what it cannot read, naming the field', () => {
    expect(shapeError(() => yuanOrders.toOrder({ ...yuanDoc(), total_fee: '197.99' })).field).toBe('total_fee');
    expect(shapeError(() => yuanOrders.toOrder({ ...yuanDoc(), status: '退款中' })).field).toBe('status');
    expect(shapeError(() => yuanOrders.toOrder({ ...yuanDoc(), items: [{ ...yuanDoc().items[0], price: 47.505 }] })).field).toBe('items[0].price');
    expect(shapeError(() => yuanOrders.toOrder({ ...yuanDoc(), _openid: undefined })).field).toBe('_openid');
    expect(shapeError(() => yuanOrders.toOrder({ ...yuanDoc(), discount: '999.00' })).field).toBe('discount');
  });
});

describe('the documented shape', () => {
  const doc = () => ({
    _id: 'O1',
    buyerOpenid: 'o_buyer',
    status: 'RECEIVED',
    paidAt: '2026-03-01T02:00:00.000Z',
    shippingFee: 500,
    payments: [{ outTradeNo: 'T1', channel: 'WECHAT_PAY', amount: 10500, paidAt: '2026-03-01T02:00:00.000Z' }],
    lines: [{ lineId: 'L1', skuId: 'S', title: '甲', quantity: 1, unitPrice: 10000, paidAmount: 10000 }],
  });
  it("is the default adapter and reads domain.md's shape", () => {
    expect(ORDER_ADAPTERS[DEFAULT_ORDER_ADAPTER]).toBe(documentedOrders);
    expect(documentedOrders.toOrder(doc())).toMatchObject({ buyerOpenid: 'o_buyer', shippingFee: 500, lines: [{ paidAmount: 10000 }] });
  });
  it('names the field it cannot read; money that does not add up is refused', () => {
    expect(shapeError(() => documentedOrders.toOrder({ ...doc(), lines: [{ ...doc().lines[0], paidAmount: 99.5 }] })).field).toBe('lines[0].paidAmount');
    expect(shapeError(() => documentedOrders.toOrder({ ...doc(), shippingFee: 600 })).field).toBe('payments');
    expect(shapeError(() => documentedOrders.toOrder({ ...doc(), payments: [] })).field).toBe('payments');
  });
  it('an unpaid or cancelled order is passed on for eligibility to refuse (no money to check)', () => {
    expect(documentedOrders.toOrder({ ...doc(), status: 'CREATED', paidAt: undefined, payments: [] }).status).toBe('CREATED');
  });
});
