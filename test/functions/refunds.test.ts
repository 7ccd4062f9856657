/**
 * Refund faults end to end: the pay sandbox scripts platform answers
 * (SYSTEMERROR, NOTENOUGH, CHANGE, REFUNDCLOSE, ...), and the functions must
 * keep one stable out_refund_no per attempt, query before guessing, hand
 * definite failures to the merchant, and never refund more than was paid.
 * Tests run in order on one emulator; each leaves its refunds final, so no
 * scripted answer is consumed by a later test.
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, expectError, merchant } from '../support/functions';
import { refundFixtures } from '../support/refund-fixtures';

const MINUTE = 60_000;

const h = useEmulator();
const f = fx(h);
const { quiet, advanceQuietly, sweep, approve, returnDoc, refundsOf, getReturn, writesNothing } = f;
const { seedOrder, apply, sandboxOf, events, orderCount } = refundFixtures(h, f);

// ------------------------------------------------------------------ helpers

/** A refund the platform limited (FREQUENCY_LIMITED): kept CREATED with its number for a later try, the after-sale still REFUNDING. */
async function keptAfterFrequencyLimit(returnId: string): Promise<any> {
  const [ref] = await refundsOf(returnId);
  expect(ref).toMatchObject({ status: 'CREATED', tries: 1, lastError: { code: 'FREQUENCY_LIMITED' } });
  expect((await returnDoc(returnId)).status).toBe('REFUNDING');
  return ref;
}

function execute(event: Record<string, unknown>, openid: string = DEMO.merchant, source?: string) {
  return h.call('executeRefund', { requestId: rid('exec'), ...event }, { openid, ...(source ? { source } : {}) });
}

/** Σ non-closed refunds per payment ≤ the payment, in our records and in the sandbox. */
async function expectPaymentsNeverOverRefunded() {
  const orders = await h.db('orders');
  const refunds = await h.db('refunds');
  for (const o of orders) {
    for (const p of o.payments) {
      const ours = refunds.filter((r: any) => r.outTradeNo === p.outTradeNo && r.status !== 'CLOSED').reduce((s: number, r: any) => s + r.refundFee, 0);
      expect(ours).toBeLessThanOrEqual(p.amount);
      const platform = h.emu.pay
        .refunds()
        .filter((r) => r.outTradeNo === p.outTradeNo && r.status !== 'REFUNDCLOSE')
        .reduce((s, r) => s + r.refundFee, 0);
      expect(platform).toBeLessThanOrEqual(p.amount);
    }
  }
}

afterEach(async () => {
  await quiet();
});

// ------------------------------------------------------------------ transient / unknown

describe('unknown outcome (SYSTEMERROR)', () => {
  it('SYSTEMERROR (not applied) → UNKNOWN; the sweep queries, finds nothing, resubmits the SAME out_refund_no → REFUNDED', async () => {
    const { orderId } = await seedOrder([20000]);
    const ret = await apply(orderId);
    await h.pay({ refund: [{ errCode: 'SYSTEMERROR' }] });
    const view = await approve(ret.returnId);
    expect(view.status).toBe('REFUNDING');

    let [ref] = await refundsOf(ret.returnId);
    expect(ref).toMatchObject({ status: 'UNKNOWN', tries: 1, refundFee: 20000, lastError: { code: 'SYSTEMERROR' } });
    expect(ref.lastError.message).toContain('退款结果未知');
    const outRefundNo = ref._id;
    expect(sandboxOf(ret.returnId)).toHaveLength(0);
    expect(await refundsOf(ret.returnId)).toHaveLength(1);

    // Not before the check is due; then the query says "no such refund", then the same number is resubmitted.
    await advanceQuietly(2 * MINUTE);
    await sweep();
    await sweep();
    const after = await refundsOf(ret.returnId);
    expect(after.map((r: any) => r._id)).toEqual([outRefundNo]);
    ref = after[0];
    expect(events(ref)).toEqual(expect.arrayContaining(['CREATED', 'SUBMIT:UNKNOWN:SYSTEMERROR', 'SWEEP:NOT_FOUND', 'SUBMIT:PROCESSING']));
    expect(sandboxOf(ret.returnId).map((r) => r.outRefundNo)).toEqual([outRefundNo]);

    await h.flush();
    await quiet();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
    expect((await refundsOf(ret.returnId)).map((r: any) => [r._id, r.status])).toEqual([[outRefundNo, 'SUCCESS']]);
    const d = await returnDoc(ret.returnId);
    expect(d.refundIds).toEqual([outRefundNo]);
    expect(d.timeline.filter((e: any) => e.action === 'refundSucceeded')).toHaveLength(1);
  });

  it('SYSTEMERROR although the platform applied it → the sweep query finds it; never a second number, refunded once', async () => {
    const { orderId } = await seedOrder([15000]);
    const ret = await apply(orderId);
    await h.pay({ refund: [{ errCode: 'SYSTEMERROR', applied: true }], callback: [{ status: 'NONE' }] });
    await approve(ret.returnId);
    const [ref] = await refundsOf(ret.returnId);
    expect(ref.status).toBe('UNKNOWN');
    expect(sandboxOf(ret.returnId)).toHaveLength(1);

    await advanceQuietly(2 * MINUTE);
    await sweep();
    const after = await refundsOf(ret.returnId);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ _id: ref._id, status: 'SUCCESS' });
    expect(events(after[0])).toContain('SWEEP:SUCCESS');
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
    expect(sandboxOf(ret.returnId)).toHaveLength(1);
  });

  it('FREQUENCY_LIMITED → kept CREATED with backoff, resubmitted by the sweep with the same number', async () => {
    const { orderId } = await seedOrder([12000]);
    const ret = await apply(orderId);
    await h.pay({ refund: [{ errCode: 'FREQUENCY_LIMITED' }] });
    await approve(ret.returnId);
    const ref = await keptAfterFrequencyLimit(ret.returnId);

    await advanceQuietly(2 * MINUTE);
    await sweep();
    const after = await refundsOf(ret.returnId);
    expect(after.map((r: any) => [r._id, r.tries])).toEqual([[ref._id, 2]]);
    expect(['PROCESSING', 'SUCCESS']).toContain(after[0].status);
    await h.flush();
    await quiet();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
  });
});

describe('the platform rule: refunds of one payment at least a minute apart', () => {
  it('a second partial refund within the minute is limited (FREQUENCY_LIMITED), kept with its number and sent by the sweep later; the two sum to what was paid', async () => {
    await h.pay({ config: { minIntervalMs: MINUTE } });
    try {
      const { orderId } = await seedOrder([12000], { quantity: 2 });
      const first = await apply(orderId, 1);
      await approve(first.returnId);
      await h.flush(); // the platform's notification: the first is REFUNDED, its line free again
      await quiet();
      expect((await returnDoc(first.returnId)).status).toBe('REFUNDED');
      const second = await apply(orderId, 1);
      await approve(second.returnId);
      const limited = await keptAfterFrequencyLimit(second.returnId);

      await advanceQuietly(2 * MINUTE);
      await sweep();
      await h.flush();
      await quiet();
      const again = await refundsOf(second.returnId);
      expect(again.map((r: any) => [r._id, r.status])).toEqual([[limited._id, 'SUCCESS']]);
      expect((await returnDoc(first.returnId)).status).toBe('REFUNDED');
      expect((await returnDoc(second.returnId)).status).toBe('REFUNDED');
      const paidBack = [...(await refundsOf(first.returnId)), ...again].reduce((sum: number, r: any) => sum + r.refundFee, 0);
      expect(paidBack).toBe(12000);
    } finally {
      await h.pay({ config: { minIntervalMs: MINUTE } }); // back to the sandbox default
    }
  });
});

describe('never accepted, again and again', () => {
  async function untilFailed(returnId: string, stepMs: number) {
    for (let i = 0; i < 40 && (await returnDoc(returnId)).status === 'REFUNDING'; i++) {
      await advanceQuietly(stepMs);
      await sweep();
    }
  }

  it('an unreadable refusal every time (UNKNOWN → query: no such refund → resubmit): after 8 submits the merchant takes over; a retry then succeeds with the same number', async () => {
    const { orderId } = await seedOrder([5100]);
    const ret = await apply(orderId);
    await h.pay({ refund: Array.from({ length: 8 }, () => ({ errCode: 'SOMETHING_NEW', errCodeDes: '暂时无法处理' })) });
    await approve(ret.returnId);
    await untilFailed(ret.returnId, 2 * MINUTE);
    const d = await returnDoc(ret.returnId);
    expect(d.status).toBe('REFUND_FAILED');
    const [ref] = await refundsOf(ret.returnId);
    expect(ref).toMatchObject({ status: 'FAILED', tries: 8 });
    expect(ref.lastError.message).toContain('已自动重试 8 次');
    expect(d.timeline.at(-1).note).toContain('已自动重试 8 次');
    expect(sandboxOf(ret.returnId)).toHaveLength(0);

    expect((await execute({ action: 'retry', returnId: ret.returnId })).ok).toBe(true);
    await h.flush();
    await quiet();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
    expect((await refundsOf(ret.returnId)).map((r: any) => [r._id, r.status])).toEqual([[ref._id, 'SUCCESS']]);
  });

  it('a communication failure every time (RETRY with backoff): after 8 submits the merchant takes over', async () => {
    const { orderId } = await seedOrder([5200]);
    const ret = await apply(orderId);
    await h.pay({ refund: Array.from({ length: 8 }, () => ({ returnCode: 'FAIL', returnMsg: 'SYSTEM BUSY' })) });
    await approve(ret.returnId);
    await untilFailed(ret.returnId, 61 * MINUTE);
    expect((await returnDoc(ret.returnId)).status).toBe('REFUND_FAILED');
    const [ref] = await refundsOf(ret.returnId);
    expect(ref).toMatchObject({ status: 'FAILED', tries: 8 });
    expect(ref.history.filter((e: any) => String(e.event).startsWith('SUBMIT:RETRY'))).toHaveLength(8);
    expect(sandboxOf(ret.returnId)).toHaveLength(0);
    expect((await execute({ action: 'markOffline', returnId: ret.returnId, note: '已线下退款' })).ok).toBe(true);
  });
});

// ------------------------------------------------------------------ definite failures: the merchant acts

describe('definite failures', () => {
  it('NOTENOUGH → REFUND_FAILED (merchant told why) → executeRefund retry → same number → REFUNDED', async () => {
    const { orderId } = await seedOrder([30000]);
    const ret = await apply(orderId);
    await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    const view = await approve(ret.returnId);
    expect(view.status).toBe('REFUND_FAILED');
    expect(view.statusLabel).toBe('退款异常');

    const [ref] = await refundsOf(ret.returnId);
    expect(ref).toMatchObject({ status: 'FAILED', lastError: { code: 'NOTENOUGH' } });
    expect(ref.lastError.message).toContain('余额不足');
    const d = await returnDoc(ret.returnId);
    expect(d.timeline.at(-1)).toMatchObject({ action: 'refundFailed', from: 'REFUNDING', to: 'REFUND_FAILED', actor: { role: 'SYSTEM' } });
    expect(d.timeline.at(-1).note).toContain('余额不足');

    // The merchant's detail shows the refund and its error, and offers retry / markOffline.
    const merchantView = (await h.call('queryReturns', { action: 'get', returnId: ret.returnId }, { openid: DEMO.merchant })).data.return;
    expect(merchantView.allowedActions).toEqual(expect.arrayContaining(['retryRefund', 'markOffline']));
    // each action says which call takes it: the table's retryRefund is executeRefund { action: 'retry' }
    expect(merchantView.actions).toEqual(
      expect.arrayContaining([
        { name: 'retryRefund', label: '重新发起退款', function: 'executeRefund', action: 'retry' },
        { name: 'markOffline', label: '登记线下退款', function: 'executeRefund', action: 'markOffline' },
      ]),
    );
    expect(merchantView.refunds).toEqual([expect.objectContaining({ outRefundNo: ref._id, status: 'FAILED', lastError: expect.stringContaining('余额不足') })]);

    const retried = await execute({ action: 'retry', returnId: ret.returnId, note: '已充值' });
    expect(retried.ok).toBe(true);
    expect(retried.data.return.status).toBe('REFUNDING');
    const after = await refundsOf(ret.returnId);
    expect(after.map((r: any) => [r._id, r.status])).toEqual([[ref._id, 'PROCESSING']]);
    expect(events(after[0])).toEqual(expect.arrayContaining(['SUBMIT:FAILED:NOTENOUGH', 'RETRY_BY_MERCHANT', 'SUBMIT:PROCESSING']));

    await h.flush();
    await quiet();
    const done = await returnDoc(ret.returnId);
    expect(done.status).toBe('REFUNDED');
    expect(done.timeline.map((e: any) => e.action)).toEqual(['apply', 'approve', 'refundFailed', 'retryRefund', 'refundSucceeded']);
    expect(done.refundIds).toEqual([ref._id]);
    expect(sandboxOf(ret.returnId).map((r) => [r.outRefundNo, r.status])).toEqual([[ref._id, 'SUCCESS']]);
  });

  it('CHANGE (notification status CHANGE) → REFUND_FAILED → markOffline needs a note → REFUNDED with the offline record', async () => {
    const { orderId } = await seedOrder([8800]);
    const ret = await apply(orderId);
    await h.pay({ callback: [{ status: 'CHANGE' }] });
    await approve(ret.returnId);
    const delivered = await h.flush();
    await quiet();
    const mine = delivered.filter((d: any) => d.outRefundNo.startsWith(ret.returnId));
    expect(mine.map((d: any) => d.result)).toEqual([{ errcode: 0, errmsg: 'OK' }]);

    const [ref] = await refundsOf(ret.returnId);
    expect(ref).toMatchObject({ status: 'ABNORMAL', lastError: { code: 'CHANGE' } });
    const d = await returnDoc(ret.returnId);
    expect(d.status).toBe('REFUND_FAILED');

    // No note: refused, nothing written.
    const noNote = await execute({ action: 'markOffline', returnId: ret.returnId });
    expect(noNote).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(noNote.error.details.issues).toEqual([expect.objectContaining({ path: 'note', message: '请填写线下退款说明' })]);
    expect((await returnDoc(ret.returnId)).version).toBe(d.version);

    const offline = await execute({ action: 'markOffline', returnId: ret.returnId, note: '买家银行卡已注销，已通过银行转账退回 88 元，流水号 BK20240101' });
    expect(offline.ok).toBe(true);
    expect(offline.data.return).toMatchObject({ status: 'REFUNDED', statusLabel: '退款成功', offlineRefund: { amount: 8800 } });
    // The buyer is told the money came back outside the platform, not 原路退回.
    expect(offline.data.return.refundHint).toBe('商家已线下退款 88.00 元（买家银行卡已注销，已通过银行转账退回 88 元，流水号 BK20240101）');
    const buyerView = await getReturn(ret.returnId, DEMO.buyer);
    expect(buyerView.refundHint).toBe(offline.data.return.refundHint);
    // the timer's next pass (every minute) sends the messages
    await sweep();
    const told = (await h.db('notifications')).filter((n: any) => n.returnId === ret.returnId && n.touser === DEMO.buyer);
    expect(told.at(-1).data.thing3.value).toBe('退款成功，商家已线下退款');
    expect(told.map((n: any) => n.data.thing3.value)).not.toContain('退款成功，款项已原路退回');
    const done = await returnDoc(ret.returnId);
    expect(done.offlineRefund).toMatchObject({ by: DEMO.merchant, amount: 8800 });
    expect(done.offlineRefund.note).toContain('银行转账');
    expect(done.timeline.at(-1)).toMatchObject({ action: 'markOffline', from: 'REFUND_FAILED', to: 'REFUNDED', actor: { role: 'MERCHANT' } });
    expect(done.timeline.at(-1).note).toContain('银行转账');
    // Nothing was sent to the platform again.
    expect(sandboxOf(ret.returnId)).toHaveLength(1);
  });

  it('REFUNDCLOSE → REFUND_FAILED → retry makes a NEW number for the closed share → REFUNDED', async () => {
    const { orderId } = await seedOrder([7700]);
    const ret = await apply(orderId);
    await h.pay({ callback: [{ status: 'REFUNDCLOSE' }] });
    await approve(ret.returnId);
    await h.flush();
    await quiet();
    const [closed] = await refundsOf(ret.returnId);
    expect(closed).toMatchObject({ status: 'CLOSED', lastError: { code: 'REFUNDCLOSE' } });
    expect((await returnDoc(ret.returnId)).status).toBe('REFUND_FAILED');

    await advanceQuietly(MINUTE); // WeChat Pay: a new refund of the payment at least a minute after the closed one
    const retried = await execute({ action: 'retry', returnId: ret.returnId });
    expect(retried.ok).toBe(true);
    const records = await refundsOf(ret.returnId);
    expect(records).toHaveLength(2);
    const fresh = records.find((r: any) => r._id !== closed._id);
    expect(fresh).toMatchObject({ refundFee: 7700, outTradeNo: closed.outTradeNo, status: 'PROCESSING' });
    expect(records.find((r: any) => r._id === closed._id).status).toBe('CLOSED');

    await h.flush();
    await quiet();
    const done = await returnDoc(ret.returnId);
    expect(done.status).toBe('REFUNDED');
    expect(done.refundIds).toEqual([closed._id, fresh._id]);
    expect((await refundsOf(ret.returnId)).map((r: any) => r.status).sort()).toEqual(['CLOSED', 'SUCCESS']);
    await expectPaymentsNeverOverRefunded();
  });

  it('retry is refused outside REFUND_FAILED; the same retry requestId twice is one transition', async () => {
    const { orderId } = await seedOrder([6600]);
    const ret = await apply(orderId);
    const early = await execute({ action: 'retry', returnId: ret.returnId });
    expect(early).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    expect(early.error.message).toContain('待商家处理');

    await h.pay({ refund: [{ errCode: 'USER_ACCOUNT_ABNORMAL' }] });
    expect((await approve(ret.returnId)).status).toBe('REFUND_FAILED');
    const requestId = rid('retry-twice');
    const first = await h.call('executeRefund', { action: 'retry', requestId, returnId: ret.returnId }, { openid: DEMO.merchant });
    const second = await h.call('executeRefund', { action: 'retry', requestId, returnId: ret.returnId }, { openid: DEMO.merchant });
    expect(first.ok && second.ok).toBe(true);
    const d = await returnDoc(ret.returnId);
    expect(d.timeline.filter((e: any) => e.action === 'retryRefund')).toHaveLength(1);
    expect(await refundsOf(ret.returnId)).toHaveLength(1);
    expect(sandboxOf(ret.returnId)).toHaveLength(1);

    const offline = await execute({ action: 'markOffline', returnId: ret.returnId, note: '线下' });
    expect(offline).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    await h.flush();
    await quiet();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
  });
});

// ------------------------------------------------------------------ amounts

describe('amounts', () => {
  it('two payments (deposit + balance): shares proportional to what each still has, exact sum, every share on its own payment', async () => {
    const { orderId, outTradeNos } = await seedOrder([10000, 89900], { quantity: 3 });
    const first = await apply(orderId, 1);
    await approve(first.returnId);
    await h.flush();
    await quiet();
    // One open after-sale per line: the second once the first is refunded (and a minute later: WeChat Pay spaces refunds of one payment).
    await advanceQuietly(MINUTE);
    const second = await apply(orderId, 2);
    await approve(second.returnId);
    await h.flush();
    await quiet();
    for (const r of [first, second]) {
      const records = await refundsOf(r.returnId);
      expect(records.reduce((s: number, x: any) => s + x.refundFee, 0)).toBe(r.amounts.total);
      expect(new Set(records.map((x: any) => x.outTradeNo)).size).toBe(records.length);
      for (const x of records) expect(outTradeNos).toContain(x.outTradeNo);
      expect((await returnDoc(r.returnId)).status).toBe('REFUNDED');
    }
    const all = [...(await refundsOf(first.returnId)), ...(await refundsOf(second.returnId))];
    expect(all.reduce((s: number, x: any) => s + x.refundFee, 0)).toBe(99900);
    expect(all.filter((x: any) => x.outTradeNo === outTradeNos[0]).reduce((s: number, x: any) => s + x.refundFee, 0)).toBe(10000);
    expect(all.filter((x: any) => x.outTradeNo === outTradeNos[1]).reduce((s: number, x: any) => s + x.refundFee, 0)).toBe(89900);
    await expectPaymentsNeverOverRefunded();
  });

  it('one share of two refused (NOTENOUGH) while the other succeeds → REFUND_FAILED; retry resubmits only the failed share, same numbers', async () => {
    const { orderId, outTradeNos } = await seedOrder([10000, 50000]);
    const ret = await apply(orderId);
    await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    const view = await approve(ret.returnId);
    expect(view.status).toBe('REFUND_FAILED');
    const records = await refundsOf(ret.returnId);
    expect(records).toHaveLength(2);
    expect(records.reduce((s: number, r: any) => s + r.refundFee, 0)).toBe(60000);
    expect(records.map((r: any) => r.outTradeNo).sort()).toEqual([...outTradeNos].sort());
    expect(records.map((r: any) => r.status).sort()).toEqual(['FAILED', 'PROCESSING']);
    await h.flush();
    await quiet();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUND_FAILED');

    expect((await execute({ action: 'retry', returnId: ret.returnId })).ok).toBe(true);
    await h.flush();
    await quiet();
    const after = await refundsOf(ret.returnId);
    expect(after.map((r: any) => [r._id, r.status])).toEqual(records.map((r: any) => [r._id, 'SUCCESS']));
    expect(sandboxOf(ret.returnId)).toHaveLength(2);
    const d = await returnDoc(ret.returnId);
    expect(d.status).toBe('REFUNDED');
    expect(d.timeline.filter((e: any) => e.action === 'refundSucceeded')).toHaveLength(1);
    await expectPaymentsNeverOverRefunded();
  });

  it('markOffline after a partial online refund: refused while a share is in flight, then records only the unpaid share and closes the failed record', async () => {
    const { orderId } = await seedOrder([10000, 30000]);
    const ret = await apply(orderId);
    await h.pay({ refund: [{ errCode: 'NOTENOUGH' }], callback: [{ status: 'NONE' }] });
    expect((await approve(ret.returnId)).status).toBe('REFUND_FAILED');
    const records = await refundsOf(ret.returnId);
    const failed = records.find((r: any) => r.status === 'FAILED');
    const inFlight = records.find((r: any) => r.status === 'PROCESSING');
    expect(failed && inFlight).toBeTruthy();

    const before = await returnDoc(ret.returnId);
    const early = await execute({ action: 'markOffline', returnId: ret.returnId, note: '线下补退' });
    expect(early).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    expect(early.error.message).toContain('处理中');
    expect((await returnDoc(ret.returnId)).version).toBe(before.version);

    // The in-flight share succeeds (no notification: the sweep queries it).
    await advanceQuietly(6 * MINUTE);
    await sweep();
    expect((await refundsOf(ret.returnId)).find((r: any) => r._id === inFlight._id).status).toBe('SUCCESS');
    expect((await returnDoc(ret.returnId)).status).toBe('REFUND_FAILED');

    const offline = await execute({ action: 'markOffline', returnId: ret.returnId, note: '余额不足的部分已通过银行转账退回' });
    expect(offline.ok).toBe(true);
    const done = await returnDoc(ret.returnId);
    expect(done.status).toBe('REFUNDED');
    expect(done.offlineRefund.amount).toBe(failed.refundFee);
    const online = done.amounts.total - failed.refundFee;
    expect(offline.data.return.refundHint).toBe(
      `已原路退回 ${(online / 100).toFixed(2)} 元；商家已线下退款 ${(failed.refundFee / 100).toFixed(2)} 元（余额不足的部分已通过银行转账退回）`,
    );
    const after = await refundsOf(ret.returnId);
    expect(after.find((r: any) => r._id === failed._id).status).toBe('OFFLINE');
    expect(after.find((r: any) => r._id === inFlight._id).status).toBe('SUCCESS');
    // A later sweep sends nothing more.
    await advanceQuietly(10 * MINUTE);
    await sweep();
    expect(sandboxOf(ret.returnId).map((r) => r.outRefundNo)).toEqual([inFlight._id]);
  });

  it('a second after-sale for units already refunded (data anomaly) is refused when its refund would be settled: nothing written, nothing sent', async () => {
    const { orderId } = await seedOrder([9000]);
    const ret = await apply(orderId);
    // A second after-sale for the same units (e.g. written by an older version or by hand).
    const original = await returnDoc(ret.returnId);
    const twinId = `R20990102${String(500000 + orderCount()).padStart(12, '0')}`;
    await h.seed({ returns: [{ ...original, _id: twinId, applyKey: `twin-${twinId}` }] });
    await approve(ret.returnId);
    await h.flush();
    await quiet();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');

    const twin = await writesNothing(() => h.call('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId: twinId }, merchant));
    expectError(twin, 'INVALID_STATE', /已有 1 件退款/);
    expect(twin.error.details.refusal).toBe('UNITS_TAKEN');
    expect(await refundsOf(twinId)).toHaveLength(0);
    expect(sandboxOf(twinId)).toHaveLength(0);
    await expectPaymentsNeverOverRefunded();
  });

  it('Σ refunds per payment never exceed its amount across every test of this file', async () => {
    await expectPaymentsNeverOverRefunded();
  });
});

// ------------------------------------------------------------------ who may call

describe('who may call executeRefund', () => {
  it('a buyer → FORBIDDEN (retry and markOffline), nothing written', async () => {
    const { orderId } = await seedOrder([5500]);
    const ret = await apply(orderId);
    await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    await approve(ret.returnId);
    const before = await returnDoc(ret.returnId);
    expect(before.status).toBe('REFUND_FAILED');
    for (const event of [
      { action: 'retry', returnId: ret.returnId },
      { action: 'markOffline', returnId: ret.returnId, note: '我自己说退了' },
    ]) {
      const res = await execute(event, DEMO.buyer);
      expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: '您没有执行此操作的权限' } });
    }
    const arbiter = await execute({ action: 'retry', returnId: ret.returnId }, DEMO.arbiter);
    expect(arbiter).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const after = await returnDoc(ret.returnId);
    expect(after.version).toBe(before.version);
    expect(after.status).toBe('REFUND_FAILED');
    expect((await refundsOf(ret.returnId)).map((r: any) => r.status)).toEqual(['FAILED']);

    // Close it (so no later sweep touches it).
    expect((await execute({ action: 'markOffline', returnId: ret.returnId, note: '已线下退款' })).ok).toBe(true);
  });

  it('the internal submit action: FORBIDDEN from a client without ADMIN (buyer, merchant, other SOURCE); allowed for an ADMIN and the timer', async () => {
    const { orderId } = await seedOrder([4400]);
    const ret = await apply(orderId);
    for (const [openid, source] of [
      [DEMO.buyer, undefined],
      [DEMO.merchant, undefined],
      [DEMO.merchant, 'wx_http'],
      [DEMO.admin, 'wx_http'],
    ] as const) {
      const res = await execute({ action: 'submit', returnId: ret.returnId }, openid, source);
      expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: '无权调用此功能' } });
    }
    const anonymous = await h.call('executeRefund', { action: 'submit', returnId: ret.returnId });
    expect(anonymous).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    // a server-side caller (SOURCE scf: a function or the server SDK, no client in the chain) may
    const server = await h.call('executeRefund', { action: 'submit', returnId: ret.returnId }, { source: 'scf' });
    expect(server.ok).toBe(true);
    // Not REFUNDING yet: an admin submit changes nothing.
    const admin = await execute({ action: 'submit', returnId: ret.returnId }, DEMO.admin);
    expect(admin.ok).toBe(true);
    expect(admin.data.refunds).toEqual([]);
    expect(await refundsOf(ret.returnId)).toHaveLength(0);
    expect((await returnDoc(ret.returnId)).status).toBe('PENDING_REVIEW');

    await approve(ret.returnId);
    const fromTimer = await h.call('executeRefund', { action: 'submit', returnId: ret.returnId }, { source: 'wx_trigger' });
    expect(fromTimer.ok).toBe(true);
    expect(fromTimer.data.refunds).toEqual([expect.objectContaining({ refundFee: 4400, status: 'PROCESSING' })]);
    expect(await refundsOf(ret.returnId)).toHaveLength(1);
    expect(sandboxOf(ret.returnId)).toHaveLength(1);
    await h.flush();
    await quiet();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
  });
});
