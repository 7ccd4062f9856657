/**
 * The after-sale's outbox (issue 14: a transition is its read and its
 * compare-and-set): what a commit sets off outside the after-sale — the
 * subscribe messages, the order's summary and stored ledger — waits in the
 * after-sale (`outboxPending`) until the timer's next pass (every minute),
 * which sends the messages once (the latest per side; none to a side that
 * acted after it) and writes the summary. And the refund records that a
 * settlement plans and stores before its commit: a record whose after-sale
 * never committed moves no money, holds up no other refund, and is closed
 * unsent by the sweep.
 */
import { rid } from '../support/emulator';
import { useEmulator, fx, dataOf, buyer, merchant, orderFixture } from '../support/functions';

const h = useEmulator();
const f = fx(h);

const MINUTE = 60_000;
/** Two lines of one unit at 50.00 each. */
const twoLines = () => ['L1', 'L2'].map((lineId, i) => ({ lineId, skuId: `SKU-${i}`, title: `商品${i}`, quantity: 1, unitPrice: 5000, paidAmount: 5000 }));
const sent = async (openid: string, returnId: string) =>
  (await h.outbox()).filter((m: any) => m.api === 'subscribeMessage.send' && m.data?.touser === openid && m.data?.data?.character_string1?.value === returnId);

describe('the outbox: messages and the order summary come with the timer', () => {
  it('approve writes only the after-sale; the next pass tells the buyer once and shows the status on the order', async () => {
    await f.seedOneLineOrder('OBX1', 1, 5000);
    await f.consent(buyer.openid);
    const ret = await f.apply('OBX1', 'RETURN_REFUND');
    await f.sweep();
    const approved = await f.approve(ret.returnId);
    expect(approved.status).toBe('AWAITING_SHIPMENT');
    expect(await sent(buyer.openid, ret.returnId)).toEqual([]);
    expect((await f.orderDoc('OBX1')).afterSale.L1).toMatchObject({ returnId: ret.returnId, status: 'PENDING_REVIEW' });
    expect(await f.returnDoc(ret.returnId)).toMatchObject({ outboxPending: true });

    const pass = await f.sweep();
    expect(pass.outbox).toMatchObject({ done: 1, skipped: 0, left: false });
    const msgs = await sent(buyer.openid, ret.returnId);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].data.data.phrase2.value).toBe('待买家寄回');
    expect((await f.orderDoc('OBX1')).afterSale.L1).toMatchObject({ returnId: ret.returnId, status: 'AWAITING_SHIPMENT' });
    expect(await f.returnDoc(ret.returnId)).toMatchObject({ outboxPending: false, eventsNoticed: 2 });
    expect((await f.ledgerOf('OBX1'))[ret.returnId]).toMatchObject({ status: 'AWAITING_SHIPMENT' });

    // Another pass sends nothing again.
    expect((await f.sweep()).outbox).toMatchObject({ done: 0 });
    expect(await sent(buyer.openid, ret.returnId)).toHaveLength(1);
  });

  it('several moves before one pass: the latest per side, none to the side that acted after it', async () => {
    await f.seedOneLineOrder('OBX2', 1, 5000);
    await f.consent(buyer.openid, undefined, 3);
    await f.consent(merchant.openid, undefined, 3);
    const ret = await f.apply('OBX2', 'RETURN_REFUND');
    await f.approve(ret.returnId);
    const shipped = dataOf(
      await h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid('ship'), returnId: ret.returnId, carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer),
    ).return;
    expect(shipped.status).toBe('IN_TRANSIT');
    await f.sweep();
    // The buyer shipped after the approval: nothing to tell them. The merchant: the return is on its way (not the
    // application, which the merchant already answered).
    expect(await sent(buyer.openid, ret.returnId)).toEqual([]);
    const staff = await sent(merchant.openid, ret.returnId);
    expect(staff.map((m: any) => m.data.data.thing3.value)).toEqual(['买家已寄回商品，请留意签收']);
    expect((await f.orderDoc('OBX2')).afterSale.L1).toMatchObject({ status: 'IN_TRANSIT' });
  });
});

describe('refund records planned with the settlement', () => {
  it('two after-sales of an order paid in two parts, approved at once: the shares never exceed a payment and both are refunded', async () => {
    const now = await h.now();
    await h.seed({
      orders: [
        orderFixture(now, {
          _id: 'OBX3',
          status: 'PAID',
          daysAgo: { paid: 1 },
          lines: twoLines(),
          payments: [
            { outTradeNo: 'TOBX3-D', channel: 'WECHAT_PAY', amount: 3000, paidAt: new Date(now - 86_400_000).toISOString(), kind: 'DEPOSIT' },
            { outTradeNo: 'TOBX3-B', channel: 'WECHAT_PAY', amount: 7000, paidAt: new Date(now - 86_400_000).toISOString(), kind: 'BALANCE' },
          ],
        }),
      ],
    });
    const a = await f.apply('OBX3', 'REFUND_ONLY', { lines: [{ lineId: 'L1', quantity: 1 }] });
    const b = await f.apply('OBX3', 'REFUND_ONLY', { lines: [{ lineId: 'L2', quantity: 1 }] });
    const answers = await Promise.all([a, b].map((r) => h.call('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId: r.returnId }, merchant)));
    for (const res of answers) expect(dataOf(res).return.status).toBe('REFUNDING');
    await f.settle();
    // Two refunds of one payment within a minute: WeChat Pay answers the second "too frequent"; the sweep resubmits it.
    await f.advanceQuietly(5 * MINUTE);
    await f.sweep();
    await f.settle();
    for (const r of [a, b]) expect((await f.returnDoc(r.returnId)).status).toBe('REFUNDED');
    const records = (await h.db('refunds')).filter((r: any) => r.orderId === 'OBX3');
    const per = (outTradeNo: string) => records.filter((r: any) => r.outTradeNo === outTradeNo && r.status === 'SUCCESS').reduce((s: number, r: any) => s + r.refundFee, 0);
    expect([per('TOBX3-D'), per('TOBX3-B')]).toEqual([3000, 7000]);
    // Each after-sale's records are the shares its settlement planned (and named in the same commit).
    for (const r of [a, b]) {
      const doc = await f.returnDoc(r.returnId);
      expect(doc.refundIds.sort()).toEqual(
        records
          .filter((x: any) => x.returnId === r.returnId)
          .map((x: any) => x._id)
          .sort(),
      );
      expect(doc.refundShares.reduce((s: number, x: any) => s + x.amount, 0)).toBe(5000);
    }
  });

  it('a record stored by a settlement that never committed holds up no refund and is closed unsent by the sweep', async () => {
    const now = await h.now();
    await f.seedOrder({
      _id: 'OBX4',
      status: 'PAID',
      daysAgo: { paid: 1 },
      lines: twoLines(),
    });
    const ghost = await f.apply('OBX4', 'REFUND_ONLY', { lines: [{ lineId: 'L1', quantity: 1 }] });
    // What an invocation that died between storing its record and its commit leaves behind.
    await h.seed({
      refunds: [
        {
          _id: `${ghost.returnId}-1`,
          returnId: ghost.returnId,
          orderId: 'OBX4',
          outTradeNo: 'TOBX4',
          totalFee: 10000,
          refundFee: 5000,
          status: 'CREATED',
          tries: 0,
          history: [],
          nextCheckAt: { $date: new Date(now + 2 * MINUTE).toISOString() },
          createdAt: { $date: new Date(now).toISOString() },
          updatedAt: { $date: new Date(now).toISOString() },
        },
      ],
    });
    const other = await f.apply('OBX4', 'REFUND_ONLY', { lines: [{ lineId: 'L2', quantity: 1 }] });
    expect((await f.approve(other.returnId)).status).toBe('REFUNDING');
    await f.settle();
    expect((await f.returnDoc(other.returnId)).status).toBe('REFUNDED');
    await f.advance(3 * MINUTE);
    await f.sweep();
    const record = (await h.db('refunds')).find((r: any) => r._id === `${ghost.returnId}-1`);
    expect(record).toMatchObject({ status: 'CLOSED', tries: 0, lastError: { code: 'NOT_COMMITTED' } });
    const refundCalls = (await h.outbox()).filter((m: any) => String(m.api).includes('refund') && JSON.stringify(m.data).includes(`${ghost.returnId}-1`));
    expect(refundCalls).toEqual([]);
    expect((await f.returnDoc(ghost.returnId)).status).toBe('PENDING_REVIEW');
  });
});

describe('a proposal (协商) is the buyer’s to answer', () => {
  it('the buyer is told at the next pass', async () => {
    await f.seedOneLineOrder('OBX5', 1, 5000);
    await f.consent(buyer.openid);
    const ret = await f.apply('OBX5', 'RETURN_REFUND');
    const proposed = await f.review({ action: 'propose', returnId: ret.returnId, kind: 'PARTIAL_REFUND', refundAmount: 3000, reason: '轻微瑕疵，部分退款' });
    expect(dataOf(proposed).return.status).toBe('NEGOTIATING');
    await f.sweep();
    expect((await sent(buyer.openid, ret.returnId)).map((m: any) => [m.data.data.phrase2.value, m.data.data.thing3.value])).toEqual([
      ['协商待确认', '商家提出了协商方案，请及时确认'],
    ]);
  });
});
