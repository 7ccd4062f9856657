/**
 * The shop's order adapter end to end: this emulator's shop reads its orders
 * in the worked example's shape (settings.orderAdapter = 'yuanExample':
 * `_openid`, yuan as text, one `out_trade_no` / `total_fee`, Chinese statuses,
 * an order-level discount), and an after-sale goes from apply to a refund
 * through the original payment, with amounts exactly in fen. An order the
 * adapter cannot read is refused with the field named, and nothing written.
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, expectError, dataOf, buyer, merchant } from '../support/functions';

const DAY = 86_400_000;
const h = useEmulator();
const f = fx(h);

async function yuanOrder(id: string, overrides: Record<string, unknown> = {}) {
  const now = await h.now();
  const doc = {
    _id: id,
    _openid: DEMO.buyer,
    status: '已签收',
    payTime: new Date(now - 4 * DAY).toISOString(),
    deliverTime: new Date(now - 3 * DAY).toISOString(),
    signTime: new Date(now - DAY).toISOString(),
    out_trade_no: `WX${id}`,
    transaction_id: `4200${id}`,
    total_fee: '198.00',
    freight: '8.00',
    discount: '20.00',
    items: [
      { id: 'I1', sku_id: 'S1', name: '纯棉T恤', count: 2, price: '47.50' },
      { id: 'I2', sku_id: 'S2', name: '运动短裤', count: 1, price: '115.00' },
    ],
    ...overrides,
  };
  await h.seed({ orders: [doc] });
  // The payment as WeChat Pay knows it (the sandbox finds documented-shape payments by itself).
  await h.pay({ payments: [{ outTradeNo: doc.out_trade_no, transactionId: doc.transaction_id, amount: 19800 }] });
}

beforeAll(async () => {
  const [shop] = (await h.db('settings')).filter((d: any) => d._id === 'shop');
  await h.seed({ settings: [{ ...shop, orderAdapter: 'yuanExample' }] });
  await h.advance(61_000); // settings are read once a minute per warm instance
});

describe("orders in the shop's own shape (the yuan example adapter)", () => {
  it('preview, apply, approve and refund: amounts from the spread discount, refunded to the original out_trade_no', async () => {
    await yuanOrder('Y1');
    const preview = dataOf(
      await h.call('applyReturn', { action: 'preview', orderId: 'Y1', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'I1', quantity: 1 }] }, buyer),
    );
    expect(preview).toMatchObject({ eligible: true, amounts: { items: 4297, shipping: 0, total: 4297 } });
    const a = dataOf(
      await h.call(
        'applyReturn',
        { action: 'apply', requestId: rid('apply'), orderId: 'Y1', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'I1', quantity: 2 }] },
        buyer,
      ),
    ).return;
    expect(a.amounts.total).toBe(8595);
    const approved = dataOf(await h.call('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId: a.returnId }, merchant)).return;
    expect(approved.status).toBe('REFUNDING');
    await h.flush();
    await f.quiet();
    expect((await f.returnDoc(a.returnId)).status).toBe('REFUNDED');
    const refunds = await f.refundsOf(a.returnId);
    expect(refunds.map((r: any) => [r.outTradeNo, r.totalFee, r.refundFee, r.status])).toEqual([['WXY1', 19800, 8595, 'SUCCESS']]);
    // The summary is mirrored onto the shop's own document, which keeps its shape
    // (by the timer's next pass, every minute, which writes the order's summary).
    await f.sweep();
    const order = await f.orderDoc('Y1');
    expect(order.afterSale.I1).toMatchObject({ returnId: a.returnId, status: 'REFUNDED' });
    expect(order.total_fee).toBe('198.00');
  });

  it("another buyer's order (by _openid) is FORBIDDEN", async () => {
    await yuanOrder('Y2', { _openid: 'o_someone_else' });
    const res = await f.writesNothing(() =>
      h.call(
        'applyReturn',
        { action: 'apply', requestId: rid('apply'), orderId: 'Y2', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'I1', quantity: 1 }] },
        buyer,
      ),
    );
    expectError(res, 'FORBIDDEN');
  });

  it('an order the adapter cannot read: INTERNAL naming the field, nothing written', async () => {
    await yuanOrder('Y3', { total_fee: '197.99' });
    const res = await f.writesNothing(() =>
      h.call(
        'applyReturn',
        { action: 'apply', requestId: rid('apply'), orderId: 'Y3', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'I1', quantity: 1 }] },
        buyer,
      ),
    );
    expectError(res, 'INTERNAL', '订单数据无法识别（total_fee），请联系商家处理');
    expect(res.error.details).toMatchObject({ cause: 'ORDER_UNREADABLE', field: 'total_fee' });
  });
});
