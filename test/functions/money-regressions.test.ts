/**
 * The seven money holes found by attacking the first release (issue "Money by
 * construction"), each replayed through the HTTP contract of the emulator, and
 * the last-line guard stopping a refund when the ledger was corrupted by hand.
 * Each of these failed on the first release's code.
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, expectError, dataOf, buyer, merchant, arbiter, ejsonDate } from '../support/functions';

const DAY = 86_400_000;

const h = useEmulator();
const f = fx(h);
const { writesNothing, returnDoc, refundsOf, ledgerOf, orderDoc, quiet, advanceJustPast, photo } = f;

let seq = 0;
const newId = (p: string) => `${p}${++seq}${Date.now().toString(36)}`;

/** A received order of DEMO.buyer with these lines (one full payment of Σ paid + shipping). */
async function seedOrder(lines: { lineId: string; quantity: number; paidAmount: number }[], shippingFee = 0, status: 'RECEIVED' | 'PAID' = 'RECEIVED'): Promise<string> {
  const orderId = newId('OMR');
  await f.seedOrder({
    _id: orderId,
    status,
    daysAgo: status === 'PAID' ? { paid: 1 } : { paid: 4, shipped: 3, received: 1 },
    date: ejsonDate,
    shippingFee,
    lines: lines.map((l) => ({ ...l, skuId: `SKU-${l.lineId}`, title: `商品${l.lineId}`, unitPrice: Math.floor(l.paidAmount / l.quantity) })),
  });
  return orderId;
}

async function apply(orderId: string, type: 'REFUND_ONLY' | 'RETURN_REFUND', lines: { lineId: string; quantity: number }[], reason = 'NO_LONGER_WANTED'): Promise<any> {
  const evidence = ['QUALITY_ISSUE', 'DAMAGED'].includes(reason) ? [await photo()] : undefined;
  return dataOf(await h.call('applyReturn', { action: 'apply', requestId: rid('apply'), orderId, type, reason, lines, ...(evidence ? { evidence } : {}) }, buyer)).return;
}

const review = (event: Record<string, unknown>, who = merchant) => h.call('reviewReturn', { requestId: rid('review'), ...event }, who);
const buyerCall = (event: Record<string, unknown>) => h.call('applyReturn', { requestId: rid('buyer'), ...event }, buyer);
const ship = (returnId: string, extra: Record<string, unknown> = {}) =>
  h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid('ship'), returnId, carrier: 'SF', trackingNo: 'SF1234567890123', ...extra }, buyer);

function pickupSlot(now: number, days = 1) {
  const start = Math.floor(now / DAY) * DAY + days * DAY + 2 * 3_600_000;
  return {
    name: '张三',
    phone: '13800000000',
    address: '上海市浦东新区世纪大道1号',
    slotStart: new Date(start).toISOString(),
    slotEnd: new Date(start + 2 * 3_600_000).toISOString(),
  };
}
const pickup = async (returnId: string, days = 1) =>
  h.call('submitLogistics', { mode: 'PICKUP', requestId: rid('pickup'), returnId, pickup: pickupSlot(await h.now(), days) }, buyer);

/** Σ SUCCESS refunds of an after-sale, after delivering the platform's notifications. */
async function refunded(returnId: string): Promise<number> {
  await h.flush();
  await quiet();
  return (await refundsOf(returnId)).filter((r: any) => r.status === 'SUCCESS').reduce((s: number, r: any) => s + r.refundFee, 0);
}

async function returnsOfOrder(orderId: string): Promise<any[]> {
  return (await h.db('returns')).filter((r: any) => r.orderId === orderId);
}

/** The pay sandbox's refunds of this order's payment (every call the platform accepted or refused). */
const payCalls = (orderId: string) => h.emu.pay.refunds().filter((r) => r.outTradeNo === `T${orderId}`).length;

const bookings = async (returnId: string) => (await h.outbox()).filter((c: any) => c.api === 'logistics.addOrder' && String(c.data.order_id).startsWith(`${returnId}-v`));

describe('1. a unit refunded twice (modify over a rejected after-sale, then appeal → decide)', () => {
  it('taking the units of a rejected after-sale withdraws it: its appeal is refused, the units are refunded once', async () => {
    const orderId = await seedOrder([
      { lineId: 'L1', quantity: 2, paidAmount: 10000 },
      { lineId: 'L2', quantity: 1, paidAmount: 6000 },
      { lineId: 'L3', quantity: 1, paidAmount: 9000 },
    ]);
    const a = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L1', quantity: 2 }]);
    const b = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L2', quantity: 1 }]);
    expect((await review({ action: 'reject', returnId: b.returnId, reason: '商品已使用' })).ok).toBe(true);

    const modified = await buyerCall({
      action: 'modify',
      returnId: a.returnId,
      lines: [
        { lineId: 'L1', quantity: 2 },
        { lineId: 'L2', quantity: 1 },
      ],
    });
    expect(dataOf(modified).return.lines).toHaveLength(2);
    const withdrawn = await returnDoc(b.returnId);
    expect(withdrawn.status).toBe('CANCELLED');
    expect(withdrawn.timeline.at(-1).note).toContain('重新申请');

    const appeal = await writesNothing(() => buyerCall({ action: 'appeal', returnId: b.returnId, description: '商品没有使用过' }));
    expectError(appeal, 'INVALID_STATE');
    expect(dataOf(await review({ action: 'approve', returnId: a.returnId })).return.status).toBe('REFUNDING');
    expect(await refunded(a.returnId)).toBe(16000);
    expect(await refunded(b.returnId)).toBe(0);
    const ledger = await ledgerOf(orderId);
    expect(ledger[a.returnId].refundPlan).toMatchObject({
      lines: [
        { lineId: 'L1', quantity: 2, amount: 10000 },
        { lineId: 'L2', quantity: 1, amount: 6000 },
      ],
      total: 16000,
    });
    expect(ledger[b.returnId].status).toBe('CANCELLED');
  });

  it('an appeal whose units another after-sale holds is refused (UNITS_TAKEN), whatever path put them there', async () => {
    const orderId = await seedOrder([{ lineId: 'L1', quantity: 1, paidAmount: 5000 }]);
    const b = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L1', quantity: 1 }]);
    expect((await review({ action: 'reject', returnId: b.returnId, reason: '不符合条件' })).ok).toBe(true);
    // A second holder of the same unit, written around the product (an older version, a hand edit of the ledger).
    const ledger = (await h.db('ledgers')).find((l: any) => l._id === orderId);
    const twin = { ...ledger.entries[b.returnId], returnId: 'R20990101000000000777', status: 'PENDING_REVIEW', version: 1 };
    await h.seed({ ledgers: [{ ...ledger, rev: ledger.rev + 1, entries: { ...ledger.entries, [twin.returnId]: twin } }] });
    const res = await writesNothing(() => buyerCall({ action: 'appeal', returnId: b.returnId, description: '请店铺主管复核' }));
    expectError(res, 'INVALID_STATE', /已由其他售后申请处理/);
    expect(res.error.details.refusal).toBe('UNITS_TAKEN');
  });
});

describe('2. outbound shipping is settled when the refund is planned, not frozen at apply', () => {
  it('a cancelled after-sale does not count: the refund that does not complete the order carries no shipping', async () => {
    const orderId = await seedOrder(
      [
        { lineId: 'L1', quantity: 2, paidAmount: 10000 },
        { lineId: 'L2', quantity: 1, paidAmount: 6000 },
      ],
      800,
    );
    const b = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L2', quantity: 1 }], 'QUALITY_ISSUE');
    const a = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L1', quantity: 2 }], 'QUALITY_ISSUE');
    expect(a.amounts.shipping).toBe(800); // the apply-time estimate
    expect((await buyerCall({ action: 'cancel', returnId: b.returnId })).ok).toBe(true);
    const approved = dataOf(await review({ action: 'approve', returnId: a.returnId })).return;
    expect(approved.amounts).toMatchObject({ items: 10000, shipping: 0, total: 10000 });
    expect(await refunded(a.returnId)).toBe(10000);
  });

  it('the refund that completes the refund of every unit (seller-side reasons) carries the fee, once', async () => {
    const orderId = await seedOrder(
      [
        { lineId: 'L1', quantity: 2, paidAmount: 10000 },
        { lineId: 'L2', quantity: 1, paidAmount: 6000 },
      ],
      800,
    );
    const b = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L2', quantity: 1 }], 'QUALITY_ISSUE');
    const a = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L1', quantity: 2 }], 'QUALITY_ISSUE');
    expect(dataOf(await review({ action: 'approve', returnId: a.returnId })).return.amounts.shipping).toBe(0);
    await f.advanceQuietly(61_000); // refunds of one payment at least a minute apart (docs/platform-limits.md)
    expect(dataOf(await review({ action: 'approve', returnId: b.returnId })).return.amounts).toMatchObject({ items: 6000, shipping: 800, total: 6800 });
    expect((await refunded(a.returnId)) + (await refunded(b.returnId))).toBe(16800);
  });
});

describe('3. logistics belong to the lines that were sent', () => {
  it('after goods were sent the lines cannot change; decide for the buyer refunds only what was sent', async () => {
    const orderId = await seedOrder([
      { lineId: 'L1', quantity: 2, paidAmount: 10000 },
      { lineId: 'L2', quantity: 1, paidAmount: 6000 },
    ]);
    const a = await apply(orderId, 'RETURN_REFUND', [{ lineId: 'L1', quantity: 1 }]);
    expect((await review({ action: 'approve', returnId: a.returnId })).ok).toBe(true);
    expect((await ship(a.returnId)).ok).toBe(true);
    expect((await review({ action: 'refuseReceipt', returnId: a.returnId, reason: '商品有使用痕迹', evidence: [await photo(DEMO.merchant)] })).ok).toBe(true);
    const more = await writesNothing(() =>
      buyerCall({
        action: 'modify',
        returnId: a.returnId,
        lines: [
          { lineId: 'L1', quantity: 2 },
          { lineId: 'L2', quantity: 1 },
        ],
      }),
    );
    expectError(more, 'INVALID_STATE', /不能再修改售后商品或数量/);
    expect(more.error.details.refusal).toBe('GOODS_SENT');

    expect((await buyerCall({ action: 'appeal', returnId: a.returnId, description: '商品完好' })).ok).toBe(true);
    const decided = dataOf(await review({ action: 'decide', returnId: a.returnId, decision: 'BUYER', reason: '买家举证充分' }, arbiter)).return;
    expect(decided.status).toBe('REFUNDING');
    expect(await refunded(a.returnId)).toBe(5000);
  });
});

describe('4. once goods were sent an after-sale can never be cancelled', () => {
  it('an unchanged modify back to PENDING_REVIEW does not reopen cancel', async () => {
    const orderId = await seedOrder([{ lineId: 'L1', quantity: 1, paidAmount: 8000 }]);
    const a = await apply(orderId, 'RETURN_REFUND', [{ lineId: 'L1', quantity: 1 }]);
    expect((await review({ action: 'approve', returnId: a.returnId })).ok).toBe(true);
    expect((await ship(a.returnId)).ok).toBe(true);
    expect((await review({ action: 'refuseReceipt', returnId: a.returnId, reason: '不符', evidence: [await photo(DEMO.merchant)] })).ok).toBe(true);
    expect(dataOf(await buyerCall({ action: 'modify', returnId: a.returnId })).return.status).toBe('PENDING_REVIEW');
    const res = await writesNothing(() => buyerCall({ action: 'cancel', returnId: a.returnId }));
    expectError(res, 'INVALID_STATE');
    expect(res.error.details.refusal).toBe('GOODS_SENT');
  });
});

describe('5. no postage after a pickup the merchant paid for, however the corrections went', () => {
  it('PICKUP → SELF_SHIP without postage → SELF_SHIP with postage is refused; the refund carries no postage', async () => {
    const orderId = await seedOrder([{ lineId: 'L1', quantity: 1, paidAmount: 8000 }], 0);
    const a = await apply(orderId, 'RETURN_REFUND', [{ lineId: 'L1', quantity: 1 }], 'QUALITY_ISSUE');
    expect((await review({ action: 'approve', returnId: a.returnId })).ok).toBe(true);
    expect((await pickup(a.returnId)).ok).toBe(true);
    expect((await ship(a.returnId)).ok).toBe(true);
    const claim = await writesNothing(() => ship(a.returnId, { trackingNo: 'SF1234567890124', postage: 1500 }));
    expectError(claim, 'LOGISTICS_INVALID', /不能再申请运费补偿/);
    const confirmed = dataOf(await review({ action: 'confirmReceipt', returnId: a.returnId })).return;
    expect(confirmed.amounts).toMatchObject({ items: 8000, postage: 0, total: 8000 });
    expect(await refunded(a.returnId)).toBe(8000);
  });
});

describe('6. logistics corrections are bounded and nothing is booked before the table says yes', () => {
  it('3 corrections, each pickup cancelling the previous booking first; the 4th is refused with nothing booked', async () => {
    const orderId = await seedOrder([{ lineId: 'L1', quantity: 1, paidAmount: 8000 }]);
    const a = await apply(orderId, 'RETURN_REFUND', [{ lineId: 'L1', quantity: 1 }]);
    expect((await review({ action: 'approve', returnId: a.returnId })).ok).toBe(true);
    expect((await pickup(a.returnId)).ok).toBe(true);
    for (let i = 1; i <= 3; i++) expect(dataOf(await pickup(a.returnId, 1 + (i % 2))).return.logistics.corrections).toBe(i);
    const fourth = await writesNothing(() => pickup(a.returnId));
    expectError(fourth, 'INVALID_STATE', /最多可修改 3 次/);
    expect(fourth.error.details.refusal).toBe('CORRECTIONS_EXHAUSTED');
    expect(await bookings(a.returnId)).toHaveLength(4);
    const cancels = (await h.outbox()).filter((c: any) => c.api === 'logistics.cancelOrder' && String(c.data.order_id).startsWith(`${a.returnId}-v`));
    expect(cancels).toHaveLength(3);
  });

  it('a pickup after the ship-back deadline is refused before any courier is booked', async () => {
    const orderId = await seedOrder([{ lineId: 'L1', quantity: 1, paidAmount: 8000 }]);
    const a = await apply(orderId, 'RETURN_REFUND', [{ lineId: 'L1', quantity: 1 }]);
    const approved = dataOf(await review({ action: 'approve', returnId: a.returnId })).return;
    await advanceJustPast(Date.parse(approved.deadline));
    const late = await writesNothing(() => pickup(a.returnId));
    expectError(late, 'INVALID_STATE');
    expect(await bookings(a.returnId)).toHaveLength(0);
  });
});

describe('7. any line id is safe in the ledger and the summary', () => {
  it.each([
    ['SKU.9', 'SKU%2E9'],
    ['$L1', '%24L1'],
    ['50%.A', '50%25%2EA'],
    ['商品·一', '商品·一'],
  ])('line id %s: the summary under key %s (no field path is built from it), the exact id in afterSaleLines and the ledger', async (lineId, key) => {
    const orderId = await seedOrder([{ lineId, quantity: 1, paidAmount: 3000 }]);
    const a = await apply(orderId, 'REFUND_ONLY', [{ lineId, quantity: 1 }]);
    // the timer's next pass (every minute) writes the order's summary
    await f.sweep();
    const order = await orderDoc(orderId);
    expect(Object.keys(order.afterSale)).toEqual([key]);
    expect(order.afterSale[key]).toEqual({ returnId: a.returnId, status: 'PENDING_REVIEW', version: 1 });
    expect(order.afterSaleLines).toEqual([{ lineId, returnId: a.returnId, status: 'PENDING_REVIEW', version: 1 }]);
    expect((await ledgerOf(orderId))[a.returnId].lines).toEqual([{ lineId, quantity: 1, amount: 3000 }]);
    // …and the after-sale goes on to its refund with the same id.
    expect(dataOf(await review({ action: 'approve', returnId: a.returnId })).return.status).toBe('REFUNDING');
    expect(await refunded(a.returnId)).toBe(3000);
    await f.sweep();
    expect((await orderDoc(orderId)).afterSale[key].status).toBe('REFUNDED');
  });
});

describe('8. the ledger belongs to the product: an order the shop replaces keeps its refunds', () => {
  it('replacing the order document (set) erases nothing that decides: a second refund of a refunded unit is refused', async () => {
    const orderId = await seedOrder([{ lineId: 'L1', quantity: 1, paidAmount: 4000 }]);
    const a = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L1', quantity: 1 }]);
    expect((await review({ action: 'approve', returnId: a.returnId })).ok).toBe(true);
    expect(await refunded(a.returnId)).toBe(4000);
    await f.sweep(); // the order shows its summary (written by the timer's pass)…
    const order = await orderDoc(orderId);
    expect(order.afterSale.L1).toMatchObject({ returnId: a.returnId, status: 'REFUNDED' });
    delete order.afterSale;
    delete order.afterSaleMirrorRev;
    await h.seed({ orders: [order] }); // the shop's own code writes the order back whole
    const again = await writesNothing(() =>
      h.call('applyReturn', { action: 'apply', requestId: rid('apply'), orderId, type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }, buyer),
    );
    expectError(again, 'NOT_ELIGIBLE');
  });
});

describe('the last-line guard', () => {
  /** A hand edit of a ledger entry the overlay does not undo (its version is ahead of the after-sale's): cancelled, nothing settled. */
  const forgedCancel = (entry: any) => ({ ...entry, status: 'CANCELLED', version: entry.version + 100, refundPlan: null, refundShares: null });

  it('a ledger corrupted by hand lets a second after-sale through, and the guard stops its refund before any pay call', async () => {
    const orderId = await seedOrder([{ lineId: 'L1', quantity: 1, paidAmount: 9000 }], 0, 'PAID');
    const a = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L1', quantity: 1 }]);
    expect((await review({ action: 'approve', returnId: a.returnId })).ok).toBe(true);
    expect(await refunded(a.returnId)).toBe(9000);
    // Forgetting the refunded after-sale in the ledger is not enough: every read overlays the ledger with the
    // order's after-sales, so the missing entry is back and the unit is not offered again.
    const ledger = (await h.db('ledgers')).find((l: any) => l._id === orderId);
    await h.seed({ ledgers: [{ ...ledger, rev: ledger.rev + 1, entries: {} }] });
    const refused = await writesNothing(() =>
      h.call('applyReturn', { action: 'apply', requestId: rid('apply'), orderId, type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }, buyer),
    );
    expectError(refused, 'NOT_ELIGIBLE');
    // Corrupt it so the overlay keeps the lie: the refunded after-sale recorded as cancelled, at a version ahead of it.
    await h.seed({ ledgers: [{ ...ledger, rev: ledger.rev + 2, entries: { [a.returnId]: forgedCancel(ledger.entries[a.returnId]) } }] });

    const b = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L1', quantity: 1 }]);
    const paidBefore = payCalls(orderId);
    const approved = dataOf(await review({ action: 'approve', returnId: b.returnId })).return;
    expect(approved.status).toBe('REFUND_FAILED');
    const doc = await returnDoc(b.returnId);
    expect(doc.refundBlock).toMatchObject({ code: 'LEDGER_GUARD' });
    expect(doc.refundBlock.message).toContain('退款 2 件，超过购买的 1 件');
    expect(payCalls(orderId)).toBe(paidBefore);
    expect(await refundsOf(b.returnId)).toEqual([]); // nothing the payment could carry: no record, no call

    // The merchant's retry meets the guard again: still no pay call.
    const retry = await h.call('executeRefund', { action: 'retry', requestId: rid('retry'), returnId: b.returnId }, merchant);
    expect(dataOf(retry).return.status).toBe('REFUND_FAILED');
    expect(payCalls(orderId)).toBe(paidBefore);
    const total = (await h.db('refunds')).filter((r: any) => r.orderId === orderId && r.status === 'SUCCESS').reduce((s: number, r: any) => s + r.refundFee, 0);
    expect(total).toBe(9000);
    expect(await returnsOfOrder(orderId)).toHaveLength(2);
  });

  it('when the payment could still carry it, the records are made and stopped before the pay call (FAILED: LEDGER_GUARD), and stay stopped', async () => {
    const orderId = await seedOrder(
      [
        { lineId: 'L1', quantity: 1, paidAmount: 9000 },
        { lineId: 'L2', quantity: 1, paidAmount: 9000 },
      ],
      0,
      'PAID',
    );
    const a = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L1', quantity: 1 }]);
    expect((await review({ action: 'approve', returnId: a.returnId })).ok).toBe(true);
    expect(await refunded(a.returnId)).toBe(9000);
    const ledger = (await h.db('ledgers')).find((l: any) => l._id === orderId);
    await h.seed({ ledgers: [{ ...ledger, rev: ledger.rev + 1, entries: { [a.returnId]: forgedCancel(ledger.entries[a.returnId]) } }] });

    const b = await apply(orderId, 'REFUND_ONLY', [{ lineId: 'L1', quantity: 1 }]);
    const paidBefore = payCalls(orderId);
    expect(dataOf(await review({ action: 'approve', returnId: b.returnId })).return.status).toBe('REFUND_FAILED');
    expect((await returnDoc(b.returnId)).refundBlock.message).toContain('「商品L1」退款 2 件，超过购买的 1 件');
    expect((await refundsOf(b.returnId)).map((r: any) => [r.status, r.lastError.code])).toEqual([['FAILED', 'LEDGER_GUARD']]);
    expect(payCalls(orderId)).toBe(paidBefore);
    await f.advanceQuietly(30 * 60_000);
    await f.sweep();
    expect(payCalls(orderId)).toBe(paidBefore);
  });
});
