/**
 * sweepTimeouts end to end: who may run it, batches and budget, reminders
 * (once each), retries of failed subscribe messages, overlapping runs, and
 * orphan REFUNDING after-sales. One emulator; the clock only moves forward,
 * so the tests run in order and assert only on the after-sales they made.
 * Note: this file runs with automatic timer firing on: every clock move that
 * passes a minute's cron slot also fires the trigger by itself (as the cloud
 * would); tests wait for it (quiet()) and assert only outcomes.
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx } from '../support/functions';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// As on the cloud: a clock move past a minute's slot fires the timer by itself
// (the overlapping-runs test counts on it); tests wait for those runs (quiet()).
const h = useEmulator({ autoTimers: true });
const f = fx(h);
const { quiet, advanceQuietly, sweep, review, returnDoc, scriptOpenApi, consent } = f;
afterEach(async () => {
  await quiet();
});

// ------------------------------------------------------------------ helpers

let orderSeq = 0;
const iso = (ms: number) => new Date(ms).toISOString();

async function seedOrder(status: 'PAID' | 'RECEIVED' = 'PAID', amount = 10000): Promise<string> {
  const orderId = `OSW${++orderSeq}${Date.now().toString(36)}`;
  await f.seedOrder({
    _id: orderId,
    status,
    daysAgo: { paid: 2, shipped: 2, received: 1 },
    lines: [{ lineId: 'L1', skuId: 'SKU-SW', title: '测试商品', quantity: 1, unitPrice: amount, paidAmount: amount }],
  });
  return orderId;
}

async function apply(type: 'REFUND_ONLY' | 'RETURN_REFUND' = 'REFUND_ONLY'): Promise<string> {
  const orderId = await seedOrder(type === 'REFUND_ONLY' ? 'PAID' : 'RECEIVED');
  return (await f.apply(orderId, type)).returnId;
}

/** An ADMIN running it by hand from the mini-program. */
async function adminSweep(event: Record<string, unknown> = {}) {
  const res = await h.call('sweepTimeouts', event, { openid: DEMO.admin });
  expect(res.ok).toBe(true);
  await quiet();
  return res.data;
}

/** subscribeMessage.send calls about one after-sale (optionally one template). */
async function messages(returnId: string, templateId?: string) {
  return (await h.outbox()).filter(
    (m: any) => m.api === 'subscribeMessage.send' && m.data?.data?.character_string1?.value === returnId && (!templateId || m.data?.template_id === templateId),
  );
}

const DEADLINE_ACTIONS = ['autoApprove', 'closeUnshipped', 'autoReceive', 'closeAppealWindow', 'lapseProposal', 'autoDecide'];

/** `n` after-sales in PENDING_REVIEW whose review deadline passed `ageMs` ago (copies of a real one, fresh _ids). */
async function seedExpired(n: number, type: 'REFUND_ONLY' | 'RETURN_REFUND' = 'RETURN_REFUND', ageMs = MINUTE): Promise<string[]> {
  const original = await returnDoc(await apply(type));
  const now = await h.now();
  const ids: string[] = [];
  const docs = Array.from({ length: n }, (_, i) => {
    const id = `R20990101${String(700000 + orderSeq * 1000 + i).padStart(12, '0')}`;
    ids.push(id);
    return {
      ...original,
      _id: id,
      applyKey: `expired-${id}`,
      deadline: iso(now - ageMs - i * 1000),
      statusEnteredAt: iso(now - 48 * HOUR - ageMs - i * 1000),
      createdAt: iso(now - 48 * HOUR - ageMs - i * 1000),
      updatedAt: iso(now - 48 * HOUR - ageMs - i * 1000),
      nextReminderAt: null,
      timeline: original.timeline.map((e: any) => ({ ...e, at: iso(now - 48 * HOUR - ageMs - i * 1000) })),
    };
  });
  await h.seed({ returns: docs });
  return ids;
}

// ------------------------------------------------------------------ who may run it

describe('who may run the sweep', () => {
  it('a buyer, a merchant, or an ADMIN through another SOURCE → FORBIDDEN; a client without OPENID → UNAUTHENTICATED', async () => {
    for (const opts of [{ openid: DEMO.buyer }, { openid: DEMO.merchant }, { openid: DEMO.arbiter }, { openid: DEMO.admin, source: 'wx_http' }]) {
      const res = await h.call('sweepTimeouts', {}, opts);
      expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: '仅定时任务或管理员可以执行' } });
    }
    expect(await h.call('sweepTimeouts', {}, {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });

  it('the timer and an ADMIN may; bad input is refused with INVALID_ARGUMENT', async () => {
    expect((await h.trigger('sweepTimeouts')).ok).toBe(true);
    expect((await h.call('sweepTimeouts', {}, { openid: DEMO.admin })).ok).toBe(true);
    const bad = await h.call('sweepTimeouts', { batch: 0 }, { openid: DEMO.admin });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(bad.error.details.issues[0]).toMatchObject({ path: 'batch', message: 'batch 至少为 1' });
  });
});

// ------------------------------------------------------------------ batch and budget

describe('batches and budget', () => {
  it('30 expired after-sales with batch 10 → left: true, later runs finish them, each deadline applied once', async () => {
    const ids = await seedExpired(30);
    const first = await adminSweep({ batch: 10 });
    expect(first.deadlines).toMatchObject({ done: 10, left: true });
    expect(first.left).toBe(true);
    expect(first.message).toContain('还有待处理事项');

    const runs = [first];
    for (let i = 0; i < 5 && runs.at(-1)!.left; i++) runs.push(await adminSweep({ batch: 10 }));
    const last = runs.at(-1)!;
    expect(last.left).toBe(false);
    expect(last.message).toBe('全部到期事项已处理');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.reduce((s, r) => s + r.deadlines.done, 0)).toBe(30);

    const docs = (await h.db('returns')).filter((r: any) => ids.includes(r._id));
    expect(docs).toHaveLength(30);
    for (const d of docs) {
      expect(d.status).toBe('AWAITING_SHIPMENT');
      const auto = d.timeline.filter((e: any) => e.action === 'autoApprove');
      expect(auto).toHaveLength(1);
      // Run by hand: the actor is SYSTEM with the admin's openid.
      expect(auto[0].actor).toEqual({ role: 'SYSTEM', openid: DEMO.admin });
    }
    const again = await adminSweep({ batch: 10 });
    expect(again.deadlines.done).toBe(0);
  });

  it('a tiny time budget stops early and reports left: true; the next run carries on', async () => {
    const ids = await seedExpired(3);
    const res = await adminSweep({ budgetMs: 1 });
    expect(res.left).toBe(true);
    expect(res.deadlines.done).toBeLessThan(3);
    await adminSweep();
    for (const id of ids) expect((await returnDoc(id)).status).toBe('AWAITING_SHIPMENT');
  });
});

// ------------------------------------------------------------------ notifications

describe('subscribe messages', () => {
  it('a message that failed (system error) is retried by a later sweep, once it is due', async () => {
    const returnId = await apply('REFUND_ONLY');
    await consent(DEMO.buyer, ['TPL_AFTERSALE_STATUS']); // the buyer's one-time consent (a tap)
    await scriptOpenApi({ 'subscribeMessage.send': [{ errCode: -1, errMsg: 'system error' }] });
    const rejected = await review({ action: 'reject', returnId, reason: '不支持' });
    expect(rejected.ok).toBe(true); // a failed message never fails the call
    // the timer's next pass (every minute) sends the message, from the after-sale's outbox
    await sweep();

    const notes = async () => (await h.db('notifications')).filter((n: any) => n.returnId === returnId && n.kind === 'statusChanged' && n.touser === DEMO.buyer);
    let [note] = await notes();
    expect(note).toMatchObject({ status: 'FAILED', tries: 1, touser: DEMO.buyer, templateId: 'TPL_AFTERSALE_STATUS' });
    expect(note.lastError).toContain('-1');

    // Not yet due: left alone.
    const early = await sweep();
    expect(early.notifications.retried).toBe(0);
    expect((await notes())[0].status).toBe('FAILED');

    await advanceQuietly(2 * MINUTE);
    await sweep();
    [note] = await notes();
    expect(note).toMatchObject({ status: 'SENT', tries: 2 });
    const sent = await messages(returnId, 'TPL_AFTERSALE_STATUS');
    expect(sent.map((m: any) => m.result.errCode)).toEqual([-1, 0]);
    expect(sent[1].data).toMatchObject({ touser: DEMO.buyer, page: `aftersale/pages/return-detail/index?returnId=${returnId}` });

    // Sent: never again.
    await advanceQuietly(10 * MINUTE);
    await sweep();
    expect(await messages(returnId, 'TPL_AFTERSALE_STATUS')).toHaveLength(2);
  });

  it('a refusal by the user (43101, no consent) is recorded and never retried', async () => {
    const returnId = await apply('REFUND_ONLY');
    await consent(DEMO.buyer, ['TPL_AFTERSALE_STATUS']); // the buyer's one-time consent (a tap)
    await scriptOpenApi({ 'subscribeMessage.send': [{ errCode: 43101, errMsg: 'user refuse to accept the msg' }] });
    expect((await review({ action: 'reject', returnId, reason: '不支持' })).ok).toBe(true);
    await advanceQuietly(30 * MINUTE);
    await sweep();
    const [note] = (await h.db('notifications')).filter((n: any) => n.returnId === returnId && n.touser === DEMO.buyer);
    expect(note).toMatchObject({ status: 'REFUSED', tries: 1 });
    expect(await messages(returnId)).toHaveLength(1);
  });

  it('a configuration error (40037 invalid template id) is given up at once with the reason, not retried', async () => {
    const returnId = await apply('REFUND_ONLY');
    await consent(DEMO.buyer, ['TPL_AFTERSALE_STATUS']); // the buyer's one-time consent (a tap)
    await scriptOpenApi({ 'subscribeMessage.send': [{ errCode: 40037, errMsg: 'invalid template_id' }] });
    expect((await review({ action: 'reject', returnId, reason: '不支持' })).ok).toBe(true);
    await advanceQuietly(30 * MINUTE);
    const run = await sweep();
    expect(run.notifications.retried).toBe(0);
    const [note] = (await h.db('notifications')).filter((n: any) => n.returnId === returnId && n.touser === DEMO.buyer);
    expect(note).toMatchObject({ status: 'GAVE_UP', tries: 1, nextAttemptAt: null });
    expect(note.lastError).toContain('40037');
    expect(note.lastError).toContain('settings.templates');
    expect(await messages(returnId)).toHaveLength(1);
  });

  it('a message failing every time is given up after MAX tries (6), not retried forever', async () => {
    const returnId = await apply('REFUND_ONLY');
    await consent(DEMO.buyer, ['TPL_AFTERSALE_STATUS']); // the buyer's one-time consent (a tap)
    await scriptOpenApi({ 'subscribeMessage.send': Array.from({ length: 6 }, () => ({ errCode: -1, errMsg: 'system error' })) });
    expect((await review({ action: 'reject', returnId, reason: '不支持' })).ok).toBe(true);
    for (let i = 0; i < 7; i++) {
      await advanceQuietly(70 * MINUTE);
      await sweep();
    }
    const [note] = (await h.db('notifications')).filter((n: any) => n.returnId === returnId && n.touser === DEMO.buyer);
    expect(note).toMatchObject({ status: 'GAVE_UP', tries: 6 });
    expect(await messages(returnId)).toHaveLength(6);
  });
});

// ------------------------------------------------------------------ reminders

describe('reminders before deadlines', () => {
  it('merchant reminded 24 h before the review deadline, buyer before the ship deadline, once each', async () => {
    // one-time consents to the reminder template (taps on 接收新售后提醒 / 订阅进度提醒)
    // Consents are per user, not per after-sale: the other after-sales of this file (the batch tests seed dozens
    // of the buyer's) due at the same time use some, oldest reminder first.
    for (const openid of [DEMO.merchant, DEMO.admin]) await consent(openid, ['TPL_AFTERSALE_REMINDER'], 10);
    await consent(DEMO.buyer, ['TPL_AFTERSALE_REMINDER'], 60);
    const pending = await apply('REFUND_ONLY');
    const toShip = await apply('RETURN_REFUND');
    expect((await review({ action: 'approve', returnId: toShip })).data.return.status).toBe('AWAITING_SHIPMENT');
    const REMINDER = 'TPL_AFTERSALE_REMINDER';

    await advanceQuietly(23 * HOUR);
    await sweep();
    expect(await messages(pending, REMINDER)).toHaveLength(0);

    await advanceQuietly(2 * HOUR); // 25 h: the review deadline (48 h) is less than 24 h away
    await sweep();
    const toStaff = await messages(pending, REMINDER);
    expect(toStaff.map((m: any) => m.data.touser).sort()).toEqual([DEMO.admin, DEMO.merchant].sort());
    for (const m of toStaff) {
      expect(m.result.errCode).toBe(0);
      expect(m.data.data.phrase2.value).toBe('待商家处理');
      expect(m.data.data.thing3.value).toMatch(/^请于\d\d-\d\d \d\d:\d\d前处理$/); // fits the 20-character thing field, unclipped
      expect(m.data.page).toBe(`aftersale/pages/staff-review/index?returnId=${pending}`); // staff open the review page
    }
    expect(await messages(toShip, REMINDER)).toHaveLength(0);

    // Later sweeps send nothing more for that slot.
    await sweep();
    await sweep();
    expect(await messages(pending, REMINDER)).toHaveLength(2);
    const stored = await returnDoc(pending);
    expect(stored.nextReminderAt).toBeNull();
    expect(stored.lastReminderAt).toBeTruthy();

    // 6 days + 1 h after the approval: the buyer is reminded to ship, once.
    await advanceQuietly(5 * DAY);
    await sweep();
    await sweep();
    const toBuyer = await messages(toShip, REMINDER);
    expect(toBuyer).toHaveLength(1);
    expect(toBuyer[0].data).toMatchObject({ touser: DEMO.buyer, template_id: REMINDER });
    expect(toBuyer[0].data.data.phrase2.value).toBe('待买家寄回');
    expect(await messages(pending, REMINDER)).toHaveLength(2);
    const reminderDocs = (await h.db('notifications')).filter((n: any) => n.kind === 'reminder' && (n.returnId === pending || n.returnId === toShip));
    expect(reminderDocs).toHaveLength(3);
    for (const n of reminderDocs) expect(n.status).toBe('SENT');
  });
});

describe('reminders of the arbiter and of a failed refund', () => {
  it('DISPUTED: the arbiter (and admin) reminded 24 h before the review deadline; REFUND_FAILED: the merchant (and admin) once a day', async () => {
    // one consent per reminder (the admin hears of both after-sales)
    await consent(DEMO.arbiter, ['TPL_AFTERSALE_REMINDER'], 1);
    await consent(DEMO.merchant, ['TPL_AFTERSALE_REMINDER'], 2);
    await consent(DEMO.admin, ['TPL_AFTERSALE_REMINDER'], 3);
    const disputed = await apply('REFUND_ONLY');
    await review({ action: 'reject', returnId: disputed, reason: '不支持' });
    expect((await h.call('applyReturn', { action: 'appeal', requestId: rid('appeal'), returnId: disputed, description: '请主管处理' }, { openid: DEMO.buyer })).ok).toBe(true);
    const failed = await apply('REFUND_ONLY');
    await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    expect((await review({ action: 'approve', returnId: failed })).data.return.status).toBe('REFUND_FAILED');
    const REMINDER = 'TPL_AFTERSALE_REMINDER';

    await advanceQuietly(DAY - HOUR);
    await sweep();
    expect(await messages(disputed, REMINDER)).toHaveLength(0);
    expect(await messages(failed, REMINDER)).toHaveLength(0);

    await advanceQuietly(2 * HOUR);
    await sweep();
    await sweep();
    expect(await messages(disputed, REMINDER)).toHaveLength(0);
    const toMerchant = await messages(failed, REMINDER);
    expect(toMerchant.map((m: any) => m.data.touser).sort()).toEqual([DEMO.admin, DEMO.merchant].sort());

    await advanceQuietly(DAY);
    await sweep();
    await sweep();
    const toArbiter = await messages(disputed, REMINDER);
    expect(toArbiter.map((m: any) => m.data.touser).sort()).toEqual([DEMO.admin, DEMO.arbiter].sort());
    expect(toArbiter[0].data.data.phrase2.value).toBe('主管复核中');
    expect(toArbiter[0].data.data.thing3.value).toMatch(/^请于\d{2}-\d{2} \d{2}:\d{2}前处理$/);
    expect(await messages(failed, REMINDER)).toHaveLength(4);

    // Settle both so that later tests see nothing of them.
    expect((await h.call('reviewReturn', { action: 'decide', requestId: rid(), returnId: disputed, decision: 'MERCHANT' }, { openid: DEMO.arbiter })).ok).toBe(true);
    expect((await h.call('executeRefund', { action: 'markOffline', requestId: rid(), returnId: failed, note: '已线下退款' }, { openid: DEMO.merchant })).ok).toBe(true);
  });
});

// ------------------------------------------------------------------ overlapping runs

describe('overlapping sweeps', () => {
  it('concurrent runs never apply a deadline twice (one timeline event, one refund per after-sale)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await apply('REFUND_ONLY'));
    const firingsBefore = h.emu.timers.firings().length;
    const movedAt = await h.now();
    // The clock move fires the timer by itself; three more runs overlap with it.
    await h.advance(49 * HOUR);
    const manual = await Promise.all([h.trigger('sweepTimeouts'), h.trigger('sweepTimeouts'), h.trigger('sweepTimeouts')]);
    await quiet();
    for (const r of manual) expect(r.ok).toBe(true);

    for (const id of ids) {
      const d = await returnDoc(id);
      expect(d.timeline.filter((e: any) => e.action === 'autoApprove')).toHaveLength(1);
      expect(d.timeline.find((e: any) => e.action === 'autoApprove').actor).toEqual({ role: 'SYSTEM' });
      expect(['REFUNDING', 'REFUNDED']).toContain(d.status);
      const refunds = (await h.db('refunds')).filter((r: any) => r.returnId === id);
      expect(refunds).toHaveLength(1);
      expect(h.emu.pay.refunds().filter((r) => r.outRefundNo.startsWith(id))).toHaveLength(1);
    }

    // Every "done" reported by the runs is exactly one deadline event written.
    const automatic = h.emu.timers
      .firings()
      .slice(firingsBefore)
      .filter((f) => !f.manual);
    expect(automatic.length).toBeGreaterThanOrEqual(1);
    for (const f of automatic) expect(f.ok).toBe(true);
    const runs = [...manual.map((r) => r.data), ...automatic.map((f: any) => f.result.data)];
    const reported = runs.reduce((s, r) => s + r.deadlines.done, 0);
    const written = (await h.db('returns')).reduce(
      (s: number, r: any) => s + r.timeline.filter((e: any) => DEADLINE_ACTIONS.includes(e.action) && new Date(e.at).getTime() >= movedAt).length,
      0,
    );
    expect(reported).toBe(written);
    expect(written).toBeGreaterThanOrEqual(ids.length);
    await h.flush();
    await quiet();
  });
});

// ------------------------------------------------------------------ orphans

describe('orphan refunds', () => {
  it('REFUNDING with no refund record (settled by the previous release, whose approving invocation died before planning it) → submitted by the sweep → REFUNDED', async () => {
    // Since refund records are planned with the settlement and stored before the commit, an approval can no
    // longer leave REFUNDING without them; an after-sale the previous release settled (refundPlan, no refundIds,
    // no refundShares) can: its approving invocation planned the records after the commit, and died first.
    const returnId = await apply('REFUND_ONLY');
    const pending = await returnDoc(returnId);
    const { orderId } = pending;
    const now = await h.now();
    const lines = pending.lines.map((l: any) => ({ ...l }));
    await h.seed({
      returns: [
        {
          ...pending,
          status: 'REFUNDING',
          version: pending.version + 1,
          deadline: null,
          deadlineAction: null,
          nextReminderAt: null,
          statusEnteredAt: iso(now),
          updatedAt: iso(now),
          amounts: { ...pending.amounts, postage: 0 },
          refundPlan: { lines, items: 10000, shipping: 0, postage: 0, total: 10000, target: 10000, offline: 0, lowered: false, at: iso(now) },
          refundIds: [],
          timeline: [
            ...pending.timeline,
            { at: iso(now), actor: { role: 'MERCHANT', openid: DEMO.merchant }, action: 'approve', from: 'PENDING_REVIEW', to: 'REFUNDING', note: '商家同意售后' },
          ],
          outboxPending: false,
        },
      ],
      // It died holding the order's refund-planning lock.
      locks: [{ _id: `refund-plan:${orderId}`, token: 'dead-invocation', expiresAt: iso(now + 2 * MINUTE) }],
    });
    expect((await h.db('refunds')).filter((r: any) => r.returnId === returnId)).toHaveLength(0);

    // Too early for an orphan (and the lock still held): nothing.
    await sweep();
    expect((await h.db('refunds')).filter((r: any) => r.returnId === returnId)).toHaveLength(0);

    await advanceQuietly(3 * MINUTE);
    const res = await sweep();
    expect(res.orphanRefunds.done + (await h.db('refunds')).filter((r: any) => r.returnId === returnId).length).toBeGreaterThanOrEqual(1);
    const refunds = (await h.db('refunds')).filter((r: any) => r.returnId === returnId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ refundFee: 10000, outTradeNo: `T${orderId}` });
    expect((await returnDoc(returnId)).refundIds).toEqual([refunds[0]._id]);
    await h.flush();
    await quiet();
    expect((await returnDoc(returnId)).status).toBe('REFUNDED');
    expect((await h.db('locks')).filter((l: any) => l._id === `refund-plan:${orderId}`)).toHaveLength(0);
  }, 60_000);
});

// ------------------------------------------------------------------ a deadline that cannot be applied

describe('a deadline that cannot be applied', () => {
  it('never holds the head of the queue: parked with its reason, the items behind it are applied, retried later', async () => {
    const settings = (await h.db('settings')).find((d: any) => d._id === 'shop');
    const { defaultReturnAddress, ...withoutAddress } = settings;
    expect(defaultReturnAddress).toBeTruthy();
    await h.seed({ settings: [withoutAddress] });
    await advanceQuietly(2 * MINUTE); // settings are cached for a minute

    // Three RETURN_REFUND after-sales that cannot be auto-approved (no address), due first,
    // and one REFUND_ONLY behind them.
    const blocked = await seedExpired(3, 'RETURN_REFUND', 10 * MINUTE);
    const [behind] = await seedExpired(1, 'REFUND_ONLY', MINUTE);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await adminSweep({ batch: 2 }));
    expect((await returnDoc(behind)).timeline.filter((e: any) => e.action === 'autoApprove')).toHaveLength(1);
    expect(['REFUNDING', 'REFUNDED']).toContain((await returnDoc(behind)).status);
    for (const id of blocked) {
      const d = await returnDoc(id);
      expect(d.status).toBe('PENDING_REVIEW');
      expect(d.deadlineError).toMatchObject({ code: 'RETURN_ADDRESS_REQUIRED' });
      expect(d.deadlineError.message).toContain('默认退货地址');
    }
    // Staff see why it was not applied; the buyer sees nothing of it.
    const staffView = await h.call('queryReturns', { action: 'get', returnId: blocked[0] }, { openid: DEMO.merchant });
    expect(staffView.data.return.notices).toHaveLength(1);
    expect(staffView.data.return.notices[0]).toMatch(/^到期自动处理未能执行：.*默认退货地址.*，系统将于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 重试；也可以现在手动处理$/);
    const buyerView = await h.call('queryReturns', { action: 'get', returnId: blocked[0] }, { openid: DEMO.buyer });
    expect(buyerView.data.return.notices).toEqual([]);
    // Parked items are not tried again on every run.
    expect(runs.at(-1)!.deadlines).toMatchObject({ done: 0, skipped: 0, left: false });

    // With the address configured again, they are applied after the retry delay.
    await h.seed({ settings: [settings] });
    await advanceQuietly(61 * MINUTE);
    await adminSweep();
    for (const id of blocked) {
      const d = await returnDoc(id);
      expect(d.status).toBe('AWAITING_SHIPMENT');
      expect(d.returnAddress).toEqual(defaultReturnAddress);
    }
    // Applied: the old error is no longer shown.
    expect((await h.call('queryReturns', { action: 'get', returnId: blocked[0] }, { openid: DEMO.merchant })).data.return.notices).toEqual([]);
    await h.flush();
    await quiet();
  });
});
