/**
 * Typed after-sale events, delivered at least once and in order per
 * after-sale to the function the shop names (here the worked example
 * `afterSaleEvents`: restock on goods_received, mark the order on refunded).
 * A consumer that cannot be reached is retried with backoff and given up
 * visibly; the order of events is kept; a duplicate delivery carries the same
 * event id and changes nothing.
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, dataOf, buyer, merchant, ejsonDate } from '../support/functions';

const MINUTE = 60_000;
const h = useEmulator();
const f = fx(h);

let seq = 0;
async function seedOrder(): Promise<string> {
  const orderId = `OEV${++seq}${Date.now().toString(36)}`;
  await f.seedOrder({
    _id: orderId,
    daysAgo: { paid: 4, shipped: 3, received: 1 },
    date: ejsonDate,
    lines: [{ lineId: 'L1', skuId: `SKU-${orderId}`, title: '帆布鞋', quantity: 2, unitPrice: 4000, paidAmount: 8000 }],
  });
  await h.seed({ skus: [{ _id: `SKU-${orderId}`, title: '帆布鞋', stock: 10 }] });
  return orderId;
}

async function useConsumer(name: string, maxTries = 3) {
  const [shop] = (await h.db('settings')).filter((d: any) => d._id === 'shop');
  await h.seed({ settings: [{ ...shop, events: { function: name, maxTries } }] });
  await f.advanceQuietly(61_000);
}

const review = (event: Record<string, unknown>) => h.call('reviewReturn', { requestId: rid('review'), ...event }, merchant);

/** A RETURN_REFUND of `quantity` units taken to REFUNDED, its events then delivered by the timer's pass. */
async function wholeReturn(orderId: string, quantity = 1): Promise<string> {
  const a = await f.apply(orderId, 'RETURN_REFUND', { quantity });
  expect((await review({ action: 'approve', returnId: a.returnId })).ok).toBe(true);
  expect((await h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid('ship'), returnId: a.returnId, carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer)).ok).toBe(true);
  expect((await review({ action: 'confirmReceipt', returnId: a.returnId })).ok).toBe(true);
  await h.flush();
  await f.quiet();
  expect((await f.returnDoc(a.returnId)).status).toBe('REFUNDED');
  // the timer's next pass (every minute) delivers the events to the consumer
  await f.sweep();
  return a.returnId;
}

const TYPES = ['aftersale.requested', 'aftersale.approved', 'aftersale.goods_shipped', 'aftersale.goods_received', 'aftersale.refunded'];

describe('after-sale events', () => {
  it('every commit announces a typed event with a stable id; the example consumer restocks and marks the order, in order', async () => {
    await useConsumer('afterSaleEvents');
    const orderId = await seedOrder();
    const returnId = await wholeReturn(orderId, 2);
    const doc = await f.returnDoc(returnId);
    expect(doc.events.map((e: any) => e.type)).toEqual(TYPES);
    expect(doc.events.map((e: any) => e.id)).toEqual(doc.events.map((e: any) => `${returnId}:v${e.id.split(':v')[1]}`));
    expect(doc.events.at(-1)).toMatchObject({ type: 'aftersale.refunded', orderId, lines: [{ lineId: 'L1', quantity: 2, amount: 8000 }], amount: 8000 });
    expect(doc).toMatchObject({ eventsDelivered: 5, outboxPending: false });
    const order = await f.orderDoc(orderId);
    expect(order.afterSaleEvents.map((e: any) => e.type)).toEqual(TYPES);
    expect(order.refundedTotal).toBe(8000);
    const sku = (await h.db('skus')).find((s: any) => s._id === `SKU-${orderId}`);
    expect(sku.stock).toBe(12);
  });

  it('a duplicate delivery carries the same id and changes nothing', async () => {
    await useConsumer('afterSaleEvents');
    const orderId = await seedOrder();
    const returnId = await wholeReturn(orderId);
    const doc = await f.returnDoc(returnId);
    // Deliver everything again (as after a lost acknowledgement): the consumer sees the same ids.
    await h.seed({ returns: [{ ...doc, eventsDelivered: 0, outboxPending: true }] });
    const report = await f.sweep();
    expect(report.outbox).toMatchObject({ done: 1, skipped: 0 }); // one after-sale's outbox drained
    expect(await f.returnDoc(returnId)).toMatchObject({ eventsDelivered: 5, outboxPending: false });
    const order = await f.orderDoc(orderId);
    expect(order.afterSaleEvents).toHaveLength(5);
    expect(order.refundedTotal).toBe(4000);
    expect((await h.db('skus')).find((s: any) => s._id === `SKU-${orderId}`).stock).toBe(11);
  });

  it('an unreachable consumer: retried with backoff, given up visibly after maxTries, the next event waits its turn', async () => {
    await useConsumer('noSuchConsumer', 2);
    const orderId = await seedOrder();
    const a = await f.apply(orderId, 'RETURN_REFUND');
    await f.sweep(); // the timer's pass: the request's first try fails
    let doc = await f.returnDoc(a.returnId);
    expect(doc).toMatchObject({ outboxPending: true, eventDelivery: { tries: 1 } });
    expect(doc.eventsDelivered ?? 0).toBe(0);
    expect((await review({ action: 'approve', returnId: a.returnId })).ok).toBe(true);
    await f.sweep(); // the request's retry is not due yet
    doc = await f.returnDoc(a.returnId);
    expect(doc.events).toHaveLength(2);
    expect(doc.eventsDelivered ?? 0).toBe(0); // the approval waits behind the request

    await f.advanceQuietly(10 * MINUTE);
    await f.sweep(); // second try of the request fails: given up; the approval's first try fails
    doc = await f.returnDoc(a.returnId);
    expect(doc.eventsDelivered).toBe(1);
    expect(doc.eventDelivery.givenUp).toEqual([expect.objectContaining({ id: doc.events[0].id })]);
    const staff = dataOf(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, merchant)).return;
    expect(staff.notices).toEqual(expect.arrayContaining([expect.stringContaining(`售后事件 ${doc.events[0].id}（aftersale.requested）多次未能送达店铺系统`)]));

    // The shop fixes its settings: what is left is delivered, in order.
    await useConsumer('afterSaleEvents', 2);
    await f.advanceQuietly(10 * MINUTE);
    await f.sweep();
    doc = await f.returnDoc(a.returnId);
    expect(doc).toMatchObject({ eventsDelivered: 2, outboxPending: false });
    expect((await f.orderDoc(orderId)).afterSaleEvents.map((e: any) => e.type)).toEqual(['aftersale.approved']);
  });

  it('the consumer refuses events that do not come from a function (a forged event from the mini-program)', async () => {
    const res = await h.call(
      'afterSaleEvents',
      { events: [{ id: 'R1:v1', type: 'aftersale.refunded', at: 0, returnId: 'R1', orderId: 'O1001', lines: [], amount: 99999 }] },
      { openid: DEMO.buyer },
    );
    expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
