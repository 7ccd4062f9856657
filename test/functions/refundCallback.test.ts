/**
 * refundCallback end to end: WeChat Pay's refund notifications as the pay
 * sandbox delivers them (SOURCE wx_paycallback, duplicates, never delivered),
 * and notifications sent by anyone else. The payload is never trusted alone:
 * only a queryRefund that confirms it marks a refund SUCCESS.
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, ejsonDate } from '../support/functions';

const DAY = 86_400_000;
const MINUTE = 60_000;
const ACK = { errcode: 0, errmsg: 'OK' };

const h = useEmulator();
const f = fx(h);
const { quiet, apply, approve, returnDoc } = f;
afterEach(async () => {
  await quiet();
});

// ------------------------------------------------------------------ helpers

let orderSeq = 0;

async function seedOrder(amount = 20000): Promise<string> {
  const orderId = `ORC${++orderSeq}${Date.now().toString(36)}`;
  await f.seedOrder({
    _id: orderId,
    status: 'PAID',
    daysAgo: { paid: 1 },
    date: ejsonDate,
    lines: [{ lineId: 'L1', skuId: 'SKU-CB', title: '测试商品', quantity: 1, unitPrice: amount, paidAmount: amount }],
  });
  return orderId;
}

/** apply + approve: an after-sale in REFUNDING with its refund accepted by the platform. */
async function refunding(callback?: Record<string, unknown>): Promise<{ returnId: string; outRefundNo: string; orderId: string; amount: number }> {
  const orderId = await seedOrder();
  const { returnId } = await apply(orderId, 'REFUND_ONLY', { reason: 'WRONG_ORDER' });
  if (callback) await h.pay({ callback: [callback] });
  expect((await approve(returnId)).status).toBe('REFUNDING');
  const [ref] = (await h.db('refunds')).filter((r: any) => r.returnId === returnId);
  expect(ref.status).toBe('PROCESSING');
  return { returnId, outRefundNo: ref._id, orderId, amount: ref.refundFee };
}

async function refund(outRefundNo: string) {
  return (await h.db('refunds')).find((r: any) => r._id === outRefundNo);
}

/** What the platform would send for this refund (camelCase, as cloudPay delivers it). */
function notification(outRefundNo: string, fee: number, status = 'SUCCESS', extra: Record<string, unknown> = {}) {
  const sandbox = h.emu.pay.refunds().find((r) => r.outRefundNo === outRefundNo);
  return {
    returnCode: 'SUCCESS',
    appid: 'wx00000000emulator',
    mchId: '1900000109',
    nonceStr: 'abcdefgh12345678',
    transactionId: sandbox?.transactionId ?? '4200000000000000000',
    outTradeNo: sandbox?.outTradeNo ?? 'T0',
    refundId: sandbox?.refundId ?? '50300000000000000000',
    outRefundNo,
    totalFee: fee,
    refundFee: fee,
    settlementRefundFee: fee,
    refundStatus: status,
    successTime: '2026-01-01 10:00:00',
    refundRecvAccout: '支付用户的零钱',
    ...extra,
  };
}

/** Everything a rejected / ignored notification must leave untouched. */
async function state() {
  const returns = await h.db('returns');
  const refunds = await h.db('refunds');
  return {
    returns: returns.map((r: any) => [r._id, r.status, r.version, r.timeline.length]).sort(),
    refunds: refunds.map((r: any) => [r._id, r.status, r.tries, r.history.length]).sort(),
  };
}

// ------------------------------------------------------------------ tests

describe('refundCallback', () => {
  it('20 duplicate notifications from the platform → exactly one transition, every one acknowledged', async () => {
    await f.consent(DEMO.buyer, ['TPL_AFTERSALE_STATUS']); // the buyer's one-time consent: spent on 退款成功
    const { returnId, outRefundNo } = await refunding({ status: 'SUCCESS', duplicates: 20 });
    const deliveries = (await h.flush()).filter((d: any) => d.outRefundNo === outRefundNo);
    await quiet();
    expect(deliveries).toHaveLength(21);
    expect(deliveries.filter((d: any) => d.duplicate)).toHaveLength(20);
    for (const d of deliveries) expect(d.result).toEqual(ACK);

    const d = await returnDoc(returnId);
    expect(d.status).toBe('REFUNDED');
    expect(d.timeline.filter((e: any) => e.action === 'refundSucceeded')).toHaveLength(1);
    expect(d.timeline.at(-1)).toMatchObject({ action: 'refundSucceeded', from: 'REFUNDING', to: 'REFUNDED', actor: { role: 'SYSTEM' } });
    const ref = await refund(outRefundNo);
    expect(ref.status).toBe('SUCCESS');
    expect(ref.history.filter((e: any) => e.event === 'CALLBACK:SUCCESS')).toHaveLength(1);
    // The buyer is told once, by the timer's next pass (every minute), which sends the messages.
    await f.sweep();
    const told = (await h.outbox()).filter(
      (m: any) => m.api === 'subscribeMessage.send' && m.data?.data?.character_string1?.value === returnId && m.data?.data?.phrase2?.value === '退款成功',
    );
    expect(told).toHaveLength(1);
  });

  it('20 concurrent copies of the same notification → one transition, all acknowledged', async () => {
    const { returnId, outRefundNo, amount } = await refunding({ status: 'NONE', outcome: 'SUCCESS' });
    await h.advance(10_000); // the platform finished the refund (its notification is lost)
    await quiet();
    const note = notification(outRefundNo, amount);
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.call('refundCallback', note, { source: 'wx_paycallback' })));
    for (const a of answers) expect(a).toEqual(ACK);
    const d = await returnDoc(returnId);
    expect(d.status).toBe('REFUNDED');
    expect(d.timeline.filter((e: any) => e.action === 'refundSucceeded')).toHaveLength(1);
    expect((await refund(outRefundNo)).history.filter((e: any) => e.event === 'CALLBACK:SUCCESS')).toHaveLength(1);
  });

  it('a forged notification from a client (SOURCE wx_client, or no SOURCE header) → FORBIDDEN, nothing changes', async () => {
    const { returnId, outRefundNo, amount } = await refunding({ status: 'NONE', outcome: 'SUCCESS', delayMs: DAY });
    const before = await state();
    const forged = notification(outRefundNo, amount);
    for (const opts of [{ source: 'wx_client' }, {}, { source: 'wx_client', openid: DEMO.buyer }, { source: 'wx_http' }, { source: 'wx_client,scf' }]) {
      const res = await h.callRaw('refundCallback', forged, opts);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: '仅接受微信支付的退款通知' } });
    }
    expect(await state()).toEqual(before);
    expect((await returnDoc(returnId)).status).toBe('REFUNDING');
    expect((await refund(outRefundNo)).status).toBe('PROCESSING');
  });

  it('a notification for an unknown out_refund_no → {errcode: 0}, nothing changes', async () => {
    const before = await state();
    const res = await h.call('refundCallback', notification('R20990101123456789012-1', 100), { source: 'wx_paycallback' });
    expect(res).toEqual(ACK);
    const unreadable = await h.call('refundCallback', { returnCode: 'SUCCESS', refundStatus: 'SUCCESS' }, { source: 'wx_paycallback' });
    expect(unreadable).toEqual(ACK);
    expect(await state()).toEqual(before);
  });

  it('a notification the query does not confirm (platform still PROCESSING) → non-zero errcode, nothing marked', async () => {
    const { returnId, outRefundNo, amount } = await refunding({ status: 'NONE', outcome: 'SUCCESS', delayMs: DAY });
    const before = await state();
    const res = await h.call('refundCallback', notification(outRefundNo, amount, 'SUCCESS'), { source: 'wx_paycallback' });
    expect(res.errcode).not.toBe(0);
    expect(await state()).toEqual(before);
    expect((await refund(outRefundNo)).status).toBe('PROCESSING');
    expect((await returnDoc(returnId)).status).toBe('REFUNDING');
  });

  it('a notification whose query fails (platform error) → non-zero errcode (delivered again later), nothing marked', async () => {
    const { returnId, outRefundNo, amount } = await refunding({ status: 'NONE', outcome: 'SUCCESS' });
    await h.advance(10_000);
    await quiet();
    const before = await state();
    await h.pay({ queryRefund: [{ returnCode: 'FAIL', returnMsg: 'SYSTEMERROR' }] });
    const res = await h.call('refundCallback', notification(outRefundNo, amount), { source: 'wx_paycallback' });
    expect(res.errcode).not.toBe(0);
    expect(await state()).toEqual(before);
    // The next delivery is confirmed by the query.
    const again = await h.call('refundCallback', notification(outRefundNo, amount), { source: 'wx_paycallback' });
    expect(again).toEqual(ACK);
    expect((await returnDoc(returnId)).status).toBe('REFUNDED');
  });

  it('a SUCCESS notification for a refund the platform closed → the query wins: CLOSED, REFUND_FAILED, never REFUNDED', async () => {
    const { returnId, outRefundNo, amount } = await refunding({ status: 'NONE', outcome: 'REFUNDCLOSE' });
    await h.advance(10_000);
    await quiet();
    const res = await h.call('refundCallback', notification(outRefundNo, amount, 'SUCCESS'), { source: 'wx_paycallback' });
    expect(res).toEqual(ACK);
    expect((await refund(outRefundNo)).status).toBe('CLOSED');
    const d = await returnDoc(returnId);
    expect(d.status).toBe('REFUND_FAILED');
    expect(d.timeline.some((e: any) => e.action === 'refundSucceeded')).toBe(false);
    // Close the case for the following tests.
    expect((await h.call('executeRefund', { action: 'markOffline', requestId: rid('off'), returnId, note: '已线下退款' }, { openid: DEMO.merchant })).ok).toBe(true);
  });

  it('snake_case keys are read as well', async () => {
    const { returnId, outRefundNo, amount } = await refunding({ status: 'NONE', outcome: 'SUCCESS' });
    await h.advance(10_000);
    await quiet();
    const res = await h.call(
      'refundCallback',
      { return_code: 'SUCCESS', out_refund_no: outRefundNo, refund_fee: String(amount), refund_status: 'SUCCESS' },
      { source: 'wx_paycallback' },
    );
    expect(res).toEqual(ACK);
    expect((await returnDoc(returnId)).status).toBe('REFUNDED');
  });

  it('a notification never delivered (callback NONE) → the sweep reconciles by queryRefund after refundQueryAfterMinutes → REFUNDED', async () => {
    const { returnId, outRefundNo } = await refunding({ status: 'NONE', outcome: 'SUCCESS' });
    // Before refundQueryAfterMinutes (5) the sweep leaves it alone.
    await h.advance(2 * MINUTE);
    await quiet();
    const early = await h.trigger('sweepTimeouts');
    expect(early.ok).toBe(true);
    await quiet();
    expect((await refund(outRefundNo)).status).toBe('PROCESSING');
    expect((await returnDoc(returnId)).status).toBe('REFUNDING');

    await h.advance(4 * MINUTE);
    await quiet();
    const res = await h.trigger('sweepTimeouts');
    expect(res.ok).toBe(true);
    await quiet();
    const ref = await refund(outRefundNo);
    expect(ref.status).toBe('SUCCESS');
    expect(ref.history.map((e: any) => e.event)).toContain('SWEEP:SUCCESS');
    const d = await returnDoc(returnId);
    expect(d.status).toBe('REFUNDED');
    expect(d.timeline.filter((e: any) => e.action === 'refundSucceeded')).toHaveLength(1);
    expect(d.timeline.find((e: any) => e.action === 'refundSucceeded').note).toBe('退款成功，款项已原路退回');
    // No notification was ever delivered for it.
    expect(h.emu.pay.refunds().find((r) => r.outRefundNo === outRefundNo)!.notify.history).toHaveLength(0);
  });
  it('a refund the platform keeps PROCESSING is asked about less and less often (half its age, at most every 2 h)', async () => {
    const { returnId, outRefundNo } = await refunding({ status: 'NONE', outcome: 'SUCCESS', delayMs: 2 * DAY });
    const queries = async () => (await refund(outRefundNo)).history.filter((e: any) => e.event === 'SWEEP:PROCESSING').length;
    await h.advance(6 * MINUTE);
    await quiet();
    expect((await h.trigger('sweepTimeouts')).ok).toBe(true);
    await quiet();
    expect(await queries()).toBe(1);
    // Three hours later: due again; the next check is then half the age (≈ 1.5 h) away.
    await h.advance(3 * 60 * MINUTE);
    await quiet();
    expect((await h.trigger('sweepTimeouts')).ok).toBe(true);
    await quiet();
    const ref = await refund(outRefundNo);
    expect(ref.status).toBe('PROCESSING');
    expect(await queries()).toBe(2);
    const wait = new Date(ref.nextCheckAt.$date ?? ref.nextCheckAt).getTime() - (await h.now());
    expect(wait).toBeGreaterThan(80 * MINUTE);
    expect(wait).toBeLessThanOrEqual(95 * MINUTE);
    // An hour on, it is not due: the sweep leaves it alone.
    await h.advance(60 * MINUTE);
    await quiet();
    expect((await h.trigger('sweepTimeouts')).ok).toBe(true);
    await quiet();
    expect(await queries()).toBe(2);
    expect((await returnDoc(returnId)).status).toBe('REFUNDING');
  });
});
