/**
 * Whole after-sale lifecycles end to end, through the built functions, the
 * pay sandbox and the timer trigger on the emulator's virtual clock. The
 * clock only moves forward: tests without clock moves come first, then the
 * 48 h, 7 d and 10 d deadlines, each on after-sales made just before.
 */
import { rid, DEMO, DEMO_RETURN_ADDRESS } from '../support/emulator';
import { useEmulator, fx, dataOf } from '../support/functions';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const h = useEmulator();
const f = fx(h);
const { quiet, advanceQuietly, sweep, apply, returnDoc, refundsOf, getReturn, photo } = f;
afterEach(async () => {
  await quiet();
});

// ------------------------------------------------------------------ helpers

let orderSeq = 0;
const iso = (ms: number) => new Date(ms).toISOString();

interface LineSpec {
  lineId: string;
  quantity: number;
  paidAmount: number;
}

async function seedOrder(opts: { status?: 'PAID' | 'RECEIVED'; lines?: LineSpec[]; shippingFee?: number } = {}): Promise<{ orderId: string; outTradeNo: string; paid: number }> {
  const orderId = `OLC${++orderSeq}${Date.now().toString(36)}`;
  const lines = opts.lines ?? [{ lineId: 'L1', quantity: 1, paidAmount: 20000 }];
  await f.seedOrder({
    _id: orderId,
    status: opts.status,
    daysAgo: { paid: 3, shipped: 2, received: 1 },
    shippingFee: opts.shippingFee,
    lines: lines.map((l) => ({ ...l, skuId: `SKU-${l.lineId}`, title: `商品${l.lineId}`, unitPrice: Math.floor(l.paidAmount / l.quantity) })),
  });
  return { orderId, outTradeNo: `T${orderId}`, paid: lines.reduce((s, l) => s + l.paidAmount, 0) + (opts.shippingFee ?? 0) };
}

async function review(event: Record<string, unknown>, openid: string = DEMO.merchant) {
  return dataOf(await f.review(event, openid)).return;
}

async function ship(returnId: string, extra: Record<string, unknown> = {}) {
  const res = await h.call(
    'submitLogistics',
    { requestId: rid('ship'), returnId, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123', ...extra },
    { openid: DEMO.buyer },
  );
  return dataOf(res).return;
}

async function flush() {
  await h.flush();
  await quiet();
}

function actions(d: any): string[] {
  return d.timeline.map((e: any) => e.action);
}

// ------------------------------------------------------------------ returns

describe('return and refund', () => {
  it('self-shipping: apply RETURN_REFUND → approve → SELF_SHIP → confirmReceipt → notification → REFUNDED', async () => {
    const { orderId, outTradeNo } = await seedOrder({ lines: [{ lineId: 'L1', quantity: 2, paidAmount: 19900 }] });
    const ret = await apply(orderId, 'RETURN_REFUND', { lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(ret.amounts.total).toBe(9950);
    expect((await getReturn(ret.returnId)).nextActor).toMatchObject({ role: 'MERCHANT' });

    expect((await review({ action: 'approve', returnId: ret.returnId })).status).toBe('AWAITING_SHIPMENT');
    const inTransit = await ship(ret.returnId);
    expect(inTransit).toMatchObject({ status: 'IN_TRANSIT', statusLabel: '待商家收货', logistics: { mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123' } });
    const merchantView = await getReturn(ret.returnId, DEMO.merchant);
    expect(merchantView.allowedActions).toEqual(expect.arrayContaining(['confirmReceipt', 'refuseReceipt']));

    expect((await review({ action: 'confirmReceipt', returnId: ret.returnId })).status).toBe('REFUNDING');
    const [ref] = await refundsOf(ret.returnId);
    expect(ref).toMatchObject({ outTradeNo, refundFee: 9950, status: 'PROCESSING' });

    await flush();
    const done = await getReturn(ret.returnId);
    expect(done).toMatchObject({ status: 'REFUNDED', statusLabel: '退款成功', refundHint: '款项已原路退回', deadline: null, allowedActions: [] });
    expect(done.timeline.map((e: any) => e.action)).toEqual(['apply', 'approve', 'submitLogistics', 'confirmReceipt', 'refundSucceeded']);
    expect(done.timeline.map((e: any) => e.actor.role)).toEqual(['BUYER', 'MERCHANT', 'BUYER', 'MERCHANT', 'SYSTEM']);
    expect(done.timeline[2].note).toContain('顺丰速运 SF1234567890123');
    expect((await refundsOf(ret.returnId))[0].status).toBe('SUCCESS');
    // the timer's next pass (every minute) writes the order's summary
    await sweep();
    const order = (await h.db('orders')).find((o: any) => o._id === orderId);
    expect(order.afterSale.L1).toMatchObject({ returnId: ret.returnId, status: 'REFUNDED' });

    // The second unit can be returned afterwards and gets the remainder (units sum to the line's paid amount).
    const second = await apply(orderId, 'RETURN_REFUND', { lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(second.amounts.total).toBe(19900 - 9950);
  });

  it('pickup: the courier is booked through logistics.addOrder, then receipt and refund', async () => {
    const { orderId } = await seedOrder();
    const ret = await apply(orderId, 'RETURN_REFUND');
    await review({ action: 'approve', returnId: ret.returnId });
    const now = await h.now();
    const res = await h.call(
      'submitLogistics',
      {
        requestId: rid('pickup'),
        returnId: ret.returnId,
        mode: 'PICKUP',
        pickup: { name: '王小明', phone: '13800138000', address: '北京市朝阳区示例街道 100 号 5 单元 501', slotStart: iso(now + DAY), slotEnd: iso(now + DAY + 2 * HOUR) },
      },
      { openid: DEMO.buyer },
    );
    expect(res.ok).toBe(true);
    const view = res.data.return;
    expect(view.status).toBe('IN_TRANSIT');
    expect(view.logistics).toMatchObject({ mode: 'PICKUP', carrier: 'SF' });
    expect(view.logistics.waybillId).toBeTruthy();
    const booked = (await h.outbox()).filter((m: any) => m.api === 'logistics.addOrder' && String(m.data.order_id ?? '').startsWith(ret.returnId));
    expect(booked).toHaveLength(1);
    expect(booked[0].result.errCode).toBe(0);
    expect(JSON.stringify(booked[0].data)).toContain(DEMO_RETURN_ADDRESS.address);

    expect((await review({ action: 'confirmReceipt', returnId: ret.returnId })).status).toBe('REFUNDING');
    await flush();
    const d = await returnDoc(ret.returnId);
    expect(d.status).toBe('REFUNDED');
    // Pickup is free to the buyer: nothing but the goods is refunded.
    expect((await refundsOf(ret.returnId)).map((r: any) => r.refundFee)).toEqual([20000]);
  });
});

// ------------------------------------------------------------------ disputes

describe('reject → appeal → decide', () => {
  async function disputedAfterReject(type: 'REFUND_ONLY' | 'RETURN_REFUND') {
    const { orderId } = await seedOrder({ status: type === 'REFUND_ONLY' ? 'PAID' : 'RECEIVED' });
    const ret = await apply(orderId, type);
    const rejected = await review({ action: 'reject', returnId: ret.returnId, reason: '不符合退货条件' });
    expect(rejected).toMatchObject({ status: 'REJECTED', rejectReason: '不符合退货条件' });
    const appealed = await h.call(
      'applyReturn',
      { action: 'appeal', requestId: rid('appeal'), returnId: ret.returnId, description: '商品有明显瑕疵，商家拒绝不合理' },
      { openid: DEMO.buyer },
    );
    expect(appealed.data.return).toMatchObject({ status: 'DISPUTED', statusLabel: '主管复核中', nextActor: { role: 'ARBITER' } });
    return ret;
  }

  it('decided for the buyer (RETURN_REFUND): goods sent back, merchant confirms, REFUNDED', async () => {
    const ret = await disputedAfterReject('RETURN_REFUND');
    const decided = await review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER', reason: '支持买家退货' }, DEMO.arbiter);
    expect(decided).toMatchObject({ status: 'AWAITING_SHIPMENT', returnAddress: DEMO_RETURN_ADDRESS });
    await ship(ret.returnId);
    await review({ action: 'confirmReceipt', returnId: ret.returnId });
    await flush();
    const d = await returnDoc(ret.returnId);
    expect(d.status).toBe('REFUNDED');
    expect(actions(d)).toEqual(['apply', 'reject', 'appeal', 'decide', 'submitLogistics', 'confirmReceipt', 'refundSucceeded']);
    expect(d.timeline[3].actor).toEqual({ role: 'ARBITER', openid: DEMO.arbiter });
  });

  it('inspection failed → appeal → decided for the buyer: the goods are already back, so straight to the refund', async () => {
    const { orderId } = await seedOrder();
    const ret = await apply(orderId, 'RETURN_REFUND');
    await review({ action: 'approve', returnId: ret.returnId });
    await ship(ret.returnId);
    await review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '商品有使用痕迹', evidence: [await photo(DEMO.merchant)] });
    await h.call('applyReturn', { action: 'appeal', requestId: rid('appeal'), returnId: ret.returnId, description: '寄回时完好' }, { openid: DEMO.buyer });
    const decided = await review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER' }, DEMO.arbiter);
    expect(decided.status).toBe('REFUNDING');
    await flush();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
  });

  it('decided for the merchant: CLOSED, with the complaint advice for the buyer, and no refund', async () => {
    const ret = await disputedAfterReject('REFUND_ONLY');
    const decided = await review({ action: 'decide', returnId: ret.returnId, decision: 'MERCHANT', reason: '商家已按约定发货' }, DEMO.arbiter);
    expect(decided.status).toBe('CLOSED');
    const view = await getReturn(ret.returnId);
    expect(view.advice).toMatch(/小程序交易投诉/);
    expect(view.advice).toMatch(/12315/);
    expect(view.decision).toMatchObject({ decision: 'MERCHANT', note: '商家已按约定发货' });
    expect(actions(await returnDoc(ret.returnId))).toEqual(['apply', 'reject', 'appeal', 'decide']);
    expect(await refundsOf(ret.returnId)).toHaveLength(0);
    const { orderId } = await returnDoc(ret.returnId);
    // the order's summary follows on the timer's next pass
    await sweep();
    const order = (await h.db('orders')).find((o: any) => o._id === orderId);
    expect(order.afterSale.L1.status).toBe('CLOSED');
  });
});

// ------------------------------------------------------------------ money

describe('amounts', () => {
  it('presale O1005 (deposit T1005A 10000 + balance T1005B 89900): two refund records summing exactly to the amount', async () => {
    const ret = await apply('O1005', 'REFUND_ONLY', { reason: 'NOT_RECEIVED' });
    expect(ret.amounts.total).toBe(99900);
    await review({ action: 'approve', returnId: ret.returnId });
    const records = await refundsOf(ret.returnId);
    expect(records).toHaveLength(2);
    const by = Object.fromEntries(records.map((r: any) => [r.outTradeNo, r]));
    expect(by.T1005A).toMatchObject({ refundFee: 10000, totalFee: 10000 });
    expect(by.T1005B).toMatchObject({ refundFee: 89900, totalFee: 89900 });
    expect(records.reduce((s: number, r: any) => s + r.refundFee, 0)).toBe(99900);
    expect(new Set(records.map((r: any) => r._id)).size).toBe(2);
    await flush();
    const d = await returnDoc(ret.returnId);
    expect(d.status).toBe('REFUNDED');
    expect(d.refundIds.sort()).toEqual(records.map((r: any) => r._id).sort());
    expect(d.timeline.filter((e: any) => e.action === 'refundSucceeded')).toHaveLength(1);
    const platform = h.emu.pay.refunds().filter((r) => r.outRefundNo.startsWith(ret.returnId));
    expect(platform.map((r) => [r.outTradeNo, r.refundFee, r.status]).sort()).toEqual([
      ['T1005A', 10000, 'SUCCESS'],
      ['T1005B', 89900, 'SUCCESS'],
    ]);
  });

  it('seller-side self-shipped return with postage claimed: capped at returnShippingCap (2000) and reimbursed at confirmReceipt when there is room', async () => {
    // The outbound fee (3000) can no longer be refunded once L2 went back for a buyer-side reason: that is the room.
    const { orderId, outTradeNo, paid } = await seedOrder({
      lines: [
        { lineId: 'L1', quantity: 1, paidAmount: 10000 },
        { lineId: 'L2', quantity: 1, paidAmount: 5000 },
      ],
      shippingFee: 3000,
    });
    const first = await apply(orderId, 'RETURN_REFUND', { lines: [{ lineId: 'L2', quantity: 1 }] });
    await review({ action: 'approve', returnId: first.returnId });
    await ship(first.returnId);
    await review({ action: 'confirmReceipt', returnId: first.returnId });
    await flush();
    expect((await returnDoc(first.returnId)).status).toBe('REFUNDED');
    await advanceQuietly(MINUTE); // WeChat Pay: refunds of one payment at least a minute apart (the sandbox enforces it)

    const ret = await apply(orderId, 'RETURN_REFUND', { reason: 'QUALITY_ISSUE', lines: [{ lineId: 'L1', quantity: 1 }], evidence: [await photo()] });
    expect(ret.amounts).toMatchObject({ items: 10000, shipping: 0, total: 10000 });
    expect((await getReturn(ret.returnId)).freightPayer).toBe('SELLER');
    await review({ action: 'approve', returnId: ret.returnId });
    const shipped = await ship(ret.returnId, { postage: 2600, evidence: [await photo()] });
    expect(shipped.logistics.postage).toBe(2600);
    expect(shipped.postageClaim).toEqual({ declared: 2600, reimbursable: 2000 }); // capped; the merchant's confirm maximum is refundAmount + 2000
    const confirmed = await review({ action: 'confirmReceipt', returnId: ret.returnId });
    expect(confirmed.status).toBe('REFUNDING');
    expect(confirmed.amounts).toMatchObject({ items: 10000, shipping: 0, postage: 2000, total: 12000 });
    expect(confirmed.refundAmount).toBe(12000);
    expect(confirmed.postageClaim).toBeNull();
    expect((await refundsOf(ret.returnId)).map((r: any) => r.refundFee)).toEqual([12000]);
    await flush();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
    const onPayment = (await h.db('refunds')).filter((r: any) => r.outTradeNo === outTradeNo && r.status !== 'CLOSED').reduce((s: number, r: any) => s + r.refundFee, 0);
    expect(onPayment).toBe(5000 + 12000);
    expect(onPayment).toBeLessThanOrEqual(paid);
  });

  it('postage without enough room, a lowered amount: the maximum counts the offline part, and the lowering comes out of it first', async () => {
    const { orderId } = await seedOrder({
      lines: [
        { lineId: 'L1', quantity: 1, paidAmount: 10000 },
        { lineId: 'L2', quantity: 1, paidAmount: 5000 },
      ],
      shippingFee: 800,
    });
    const first = await apply(orderId, 'REFUND_ONLY', { lines: [{ lineId: 'L2', quantity: 1 }] });
    await review({ action: 'approve', returnId: first.returnId });
    await flush();
    const ret = await apply(orderId, 'RETURN_REFUND', { reason: 'DAMAGED', lines: [{ lineId: 'L1', quantity: 1 }], evidence: [await photo()] });
    await review({ action: 'approve', returnId: ret.returnId });
    const shipped = await ship(ret.returnId, { postage: 1500 });
    expect(shipped.postageClaim).toEqual({ declared: 1500, reimbursable: 1500 });
    // 10000 + 1500 at most: 800 of the postage fits the payment, 700 is paid offline
    const over = await h.call(
      'reviewReturn',
      { action: 'confirmReceipt', requestId: rid(), returnId: ret.returnId, refundAmount: 11501, reason: '多一分' },
      { openid: DEMO.merchant },
    );
    expect(over).toMatchObject({ ok: false, error: { code: 'REFUND_LIMIT', message: '退款金额不能超过可退金额 115.00 元', details: { maximum: 11500 } } });
    const confirmed = await review({ action: 'confirmReceipt', returnId: ret.returnId, refundAmount: 11200, reason: '运费按实际票据 12 元补偿' });
    expect(confirmed.refundAmount).toBe(10800); // the payment's part is whole
    const stored = await returnDoc(ret.returnId);
    expect(stored.postageOffline).toBe(400); // 1200 of postage: 800 through the payment, 400 offline
    expect(stored.approvedAmount).toBeUndefined();
    expect(stored.adjustReason).toBe('运费按实际票据 12 元补偿');
    expect((await getReturn(ret.returnId)).notices).toEqual(['退货运费中 4.00 元超出可原路退回的金额，将由商家线下补偿']);
  });

  it('postage without enough room: only the room goes back through the payment, the rest is recorded for an offline settlement', async () => {
    const { orderId, outTradeNo, paid } = await seedOrder({
      lines: [
        { lineId: 'L1', quantity: 1, paidAmount: 10000 },
        { lineId: 'L2', quantity: 1, paidAmount: 5000 },
      ],
      shippingFee: 800,
    });
    const first = await apply(orderId, 'REFUND_ONLY', { lines: [{ lineId: 'L2', quantity: 1 }] });
    await review({ action: 'approve', returnId: first.returnId });
    await flush();
    await advanceQuietly(MINUTE); // WeChat Pay: refunds of one payment at least a minute apart (the sandbox enforces it)
    const ret = await apply(orderId, 'RETURN_REFUND', { reason: 'DAMAGED', lines: [{ lineId: 'L1', quantity: 1 }], evidence: [await photo()] });
    await review({ action: 'approve', returnId: ret.returnId });
    await ship(ret.returnId, { postage: 1500 });
    const confirmed = await review({ action: 'confirmReceipt', returnId: ret.returnId });
    expect(confirmed.amounts).toMatchObject({ postage: 800, total: 10800 });
    expect((await returnDoc(ret.returnId)).postageOffline).toBe(700);
    expect((await getReturn(ret.returnId)).notices).toEqual(['退货运费中 7.00 元超出可原路退回的金额，将由商家线下补偿']);
    expect((await getReturn(ret.returnId, DEMO.merchant)).notices).toEqual(['退货运费中 7.00 元超出可原路退回的余额，请线下补偿买家']);
    await flush();
    const onPayment = (await h.db('refunds')).filter((r: any) => r.outTradeNo === outTradeNo).reduce((s: number, r: any) => s + r.refundFee, 0);
    expect(onPayment).toBe(paid);
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
  });
});

// ------------------------------------------------------------------ deadlines (the clock moves from here on)

describe('deadlines applied by the sweep', () => {
  it('merchant silent for 48 h → auto-approve: REFUND_ONLY to REFUNDING (refund sent), RETURN_REFUND to AWAITING_SHIPMENT with the default address; actor SYSTEM', async () => {
    const refundOnly = await apply((await seedOrder({ status: 'PAID' })).orderId, 'REFUND_ONLY');
    const withGoods = await apply((await seedOrder()).orderId, 'RETURN_REFUND');

    await advanceQuietly(47 * HOUR);
    await sweep();
    expect((await returnDoc(refundOnly.returnId)).status).toBe('PENDING_REVIEW');
    expect((await returnDoc(withGoods.returnId)).status).toBe('PENDING_REVIEW');

    await advanceQuietly(HOUR + MINUTE);
    await sweep();
    const a = await returnDoc(refundOnly.returnId);
    expect(['REFUNDING', 'REFUNDED']).toContain(a.status);
    expect(a.timeline[1]).toMatchObject({ action: 'autoApprove', from: 'PENDING_REVIEW', to: 'REFUNDING', actor: { role: 'SYSTEM' } });
    expect(a.timeline[1].actor.openid).toBeUndefined();
    expect(a.timeline[1].note).toContain('系统自动同意');
    expect(a.timeline.filter((e: any) => e.action === 'autoApprove')).toHaveLength(1);
    expect((await refundsOf(refundOnly.returnId)).map((r: any) => r.refundFee)).toEqual([refundOnly.amounts.total]);

    const b = await returnDoc(withGoods.returnId);
    expect(b.status).toBe('AWAITING_SHIPMENT');
    expect(b.returnAddress).toEqual(DEMO_RETURN_ADDRESS);
    expect(b.timeline[1]).toMatchObject({ action: 'autoApprove', to: 'AWAITING_SHIPMENT', actor: { role: 'SYSTEM' } });
    const view = await getReturn(withGoods.returnId);
    expect(view.timeline[1]).toMatchObject({ actionLabel: '超时自动同意', actor: { role: 'SYSTEM' } });

    // The merchant can no longer reject the auto-approved one.
    const late = await h.call('reviewReturn', { action: 'reject', requestId: rid(), returnId: withGoods.returnId, reason: '太晚了' }, { openid: DEMO.merchant });
    expect(late).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    await flush();
    expect((await returnDoc(refundOnly.returnId)).status).toBe('REFUNDED');
  });

  it('buyer does not ship within 7 days → CLOSED; a rejected one not appealed within 7 days → CLOSED', async () => {
    const unshipped = await apply((await seedOrder()).orderId, 'RETURN_REFUND');
    await review({ action: 'approve', returnId: unshipped.returnId });
    const rejected = await apply((await seedOrder({ status: 'PAID' })).orderId, 'REFUND_ONLY');
    await review({ action: 'reject', returnId: rejected.returnId, reason: '不支持' });

    await advanceQuietly(7 * DAY - HOUR);
    await sweep();
    expect((await returnDoc(unshipped.returnId)).status).toBe('AWAITING_SHIPMENT');
    expect((await returnDoc(rejected.returnId)).status).toBe('REJECTED');

    await advanceQuietly(HOUR + MINUTE);
    await sweep();
    const a = await returnDoc(unshipped.returnId);
    expect(a.status).toBe('CLOSED');
    expect(a.timeline.at(-1)).toMatchObject({ action: 'closeUnshipped', from: 'AWAITING_SHIPMENT', to: 'CLOSED', actor: { role: 'SYSTEM' } });
    expect(a.deadline).toBeNull();
    const b = await returnDoc(rejected.returnId);
    expect(b.status).toBe('CLOSED');
    expect(b.timeline.at(-1)).toMatchObject({ action: 'closeAppealWindow', from: 'REJECTED', to: 'CLOSED', actor: { role: 'SYSTEM' } });

    // Too late for the buyer now.
    const late = await h.call(
      'submitLogistics',
      { requestId: rid(), returnId: unshipped.returnId, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123' },
      { openid: DEMO.buyer },
    );
    expect(late).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    const lateAppeal = await h.call('applyReturn', { action: 'appeal', requestId: rid(), returnId: rejected.returnId, description: '晚了' }, { openid: DEMO.buyer });
    expect(lateAppeal).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    expect(await refundsOf(unshipped.returnId)).toHaveLength(0);
  });

  it('merchant does not confirm receipt within 10 days → auto-receive → REFUNDING → REFUNDED (a postage claim within room is reimbursed as at a confirmation)', async () => {
    const { orderId, outTradeNo } = await seedOrder();
    const ret = await apply(orderId, 'RETURN_REFUND');
    await review({ action: 'approve', returnId: ret.returnId });
    await ship(ret.returnId);
    // Seller-side, self-shipped, postage claimed; room from a buyer-side return that made the outbound fee unrefundable.
    const withPostage = await seedOrder({
      lines: [
        { lineId: 'L1', quantity: 1, paidAmount: 10000 },
        { lineId: 'L2', quantity: 1, paidAmount: 5000 },
      ],
      shippingFee: 3000,
    });
    const before = await apply(withPostage.orderId, 'REFUND_ONLY', { lines: [{ lineId: 'L2', quantity: 1 }] });
    await review({ action: 'approve', returnId: before.returnId });
    await flush();
    const claimed = await apply(withPostage.orderId, 'RETURN_REFUND', { reason: 'WRONG_ITEM', lines: [{ lineId: 'L1', quantity: 1 }], evidence: [await photo()] });
    await review({ action: 'approve', returnId: claimed.returnId });
    await ship(claimed.returnId, { postage: 1200 });

    await advanceQuietly(10 * DAY - HOUR);
    await sweep();
    expect((await returnDoc(ret.returnId)).status).toBe('IN_TRANSIT');

    await advanceQuietly(HOUR + MINUTE);
    await sweep();
    const d = await returnDoc(ret.returnId);
    expect(['REFUNDING', 'REFUNDED']).toContain(d.status);
    expect(d.timeline.find((e: any) => e.action === 'autoReceive')).toMatchObject({ from: 'IN_TRANSIT', to: 'REFUNDING', actor: { role: 'SYSTEM' } });
    expect((await refundsOf(ret.returnId)).map((r: any) => [r.outTradeNo, r.refundFee])).toEqual([[outTradeNo, 20000]]);
    await flush();
    const done = await returnDoc(ret.returnId);
    expect(done.status).toBe('REFUNDED');
    expect(actions(done)).toEqual(['apply', 'approve', 'submitLogistics', 'autoReceive', 'refundSucceeded']);

    const auto = await returnDoc(claimed.returnId);
    expect(auto.status).toBe('REFUNDED');
    expect(auto.timeline.find((e: any) => e.action === 'autoReceive')).toBeTruthy();
    expect(auto.amounts).toMatchObject({ items: 10000, postage: 1200, total: 11200 });
    expect((await refundsOf(claimed.returnId)).map((r: any) => r.refundFee)).toEqual([11200]);
  });
});
