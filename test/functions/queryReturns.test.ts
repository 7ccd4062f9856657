/**
 * queryReturns end to end: `get` (own after-sale, staff view with their
 * allowed actions, evidence temp URLs that really download) and `list`
 * (`mine`: only own, paged by cursor; `merchant`: staff only, the work queue
 * sorted by deadline with overdue / due-today flags).
 */
import { rid, jpeg, mp4, DEMO } from '../support/emulator';
import { useEmulator, fx, expectError, buyer, otherBuyer, merchant, arbiter, admin } from '../support/functions';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const h = useEmulator();
const { writesNothing, advance, settle } = fx(h);

const get = (returnId: string, who: { openid: string }) => h.call('queryReturns', { action: 'get', returnId }, who);
const list = (fields: Record<string, unknown>, who: { openid: string }) => h.call('queryReturns', { action: 'list', ...fields }, who);

async function apply(orderId: string, fields: Record<string, unknown>, who = buyer): Promise<any> {
  const res = await h.call('applyReturn', { action: 'apply', requestId: rid('apply'), orderId, type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', ...fields }, who);
  expect(res.ok).toBe(true);
  await advance(1000); // distinct creation times
  return res.data.return;
}

/** Every page of a list, following nextCursor. */
async function allPages(fields: Record<string, unknown>, who: { openid: string }, limit: number): Promise<{ pages: any[][]; items: any[] }> {
  const pages: any[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const res = await list({ ...fields, limit, ...(cursor ? { cursor } : {}) }, who);
    expect(res.ok).toBe(true);
    expect(res.data.items.length).toBeLessThanOrEqual(limit);
    pages.push(res.data.items);
    if (!res.data.nextCursor) break;
    cursor = res.data.nextCursor;
  }
  return { pages, items: pages.flat() };
}

let photo: string;
let video: string;
const mine: any[] = [];
let theirs: any;

beforeAll(async () => {
  photo = await h.upload(`evidence/${DEMO.buyer}/q-photo.jpg`, jpeg(2500));
  await h.upload(`evidence/${DEMO.buyer}/q-video.mp4.poster.jpg`, jpeg()); // its poster frame (the content check)
  video = await h.upload(`evidence/${DEMO.buyer}/q-video.mp4`, mp4(4500));
  mine.push(await apply('O1003', { reason: 'DAMAGED', type: 'RETURN_REFUND', lines: [{ lineId: 'L2', quantity: 1 }], evidence: [photo, video] }));
  mine.push(await apply('O1001', { lines: [{ lineId: 'L1', quantity: 1 }] }));
  mine.push(await apply('O1002', { type: 'RETURN_REFUND', lines: [{ lineId: 'L1', quantity: 1 }] }));
  mine.push(await apply('O1006', { reason: 'DAMAGED', lines: [{ lineId: 'L1', quantity: 1 }], evidence: [photo] }));
  mine.push(await apply('O1001', { lines: [{ lineId: 'L2', quantity: 1 }] }));
  theirs = await apply('O2001', { lines: [{ lineId: 'L1', quantity: 1 }] }, otherBuyer);
});

describe('get', () => {
  it("the buyer's own after-sale: timeline, next actor, deadline, the buyer's allowed actions, evidence temp URLs that download", async () => {
    const target = mine[0];
    const res = await writesNothing(() => get(target.returnId, buyer));
    expect(res.ok).toBe(true);
    const r = res.data.return;
    expect(r).toMatchObject({
      returnId: target.returnId,
      orderId: 'O1003',
      type: 'RETURN_REFUND',
      typeLabel: '退货退款',
      reason: 'DAMAGED',
      reasonLabel: '破损',
      status: 'PENDING_REVIEW',
      statusLabel: '待商家处理',
      nextActor: { role: 'MERCHANT', phrase: '等待商家处理' },
      deadline: target.deadline,
      deadlineAction: 'autoApprove',
      freightPayer: 'SELLER',
      amounts: { items: 15000, shipping: 0, total: 15000 },
      refundAmount: 15000,
    });
    expect(r.deadlineText).toMatch(/^请在 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前处理$/);
    expect(r.allowedActions.sort()).toEqual(['cancel', 'modify']);
    expect(r._id).toBe(r.returnId); // the stored document's id too (api.md: returns { _id: returnId, … })
    expect(r.actions.map((a: any) => [a.name, a.function, a.action]).sort()).toEqual([
      ['cancel', 'applyReturn', 'cancel'],
      ['modify', 'applyReturn', 'modify'],
    ]);
    expect(r.timeline).toEqual([
      expect.objectContaining({
        action: 'apply',
        actionLabel: '申请售后',
        from: null,
        fromLabel: null,
        to: 'PENDING_REVIEW',
        toLabel: '待商家处理',
        actor: { role: 'BUYER' },
        evidence: [photo, video],
      }),
    ]);
    expect(r.timeline[0].actor.openid).toBeUndefined();
    expect(r.refunds).toBeUndefined();

    expect(r.evidence.map((e: any) => e.fileID)).toEqual([photo, video]);
    const expected = [jpeg(2500), mp4(4500)];
    for (const [i, e] of r.evidence.entries()) {
      expect(typeof e.tempFileURL).toBe('string');
      const dl = await fetch(e.tempFileURL);
      expect(dl.status).toBe(200);
      expect(Buffer.from(await dl.arrayBuffer()).equals(expected[i])).toBe(true);
    }
  });

  it('another buyer → FORBIDDEN (no data); unknown id → NOT_FOUND; no OPENID → UNAUTHENTICATED; bad input → INVALID_ARGUMENT', async () => {
    const res = await get(mine[0].returnId, otherBuyer);
    expectError(res, 'FORBIDDEN', '这不是您的售后单，无权查看或操作');
    expect(res.error.details).toBeUndefined();
    expectError(await get(theirs.returnId, buyer), 'FORBIDDEN', '这不是您的售后单，无权查看或操作');
    expectError(await get('R20200101000000000000', buyer), 'NOT_FOUND', '售后单不存在');
    expectError(await h.call('queryReturns', { action: 'get', returnId: mine[0].returnId }), 'UNAUTHENTICATED', '请在小程序内登录后再操作');
    const bad = await h.call('queryReturns', { action: 'get', returnId: 'nope' }, buyer);
    expectError(bad, 'INVALID_ARGUMENT');
    expect(bad.error.details.issues).toEqual([{ path: 'returnId', message: '售后单号 returnId 格式不正确' }]);
    const action = await h.call('queryReturns', { action: 'delete', returnId: mine[0].returnId }, buyer);
    expectError(action, 'INVALID_ARGUMENT');
    expect(action.error.details.issues[0]).toMatchObject({ path: 'action' });
  });

  it('staff see any after-sale with their own allowed actions (merchant: approve/reject; arbiter: none yet)', async () => {
    const m = await writesNothing(() => get(mine[0].returnId, merchant));
    expect(m.ok).toBe(true);
    expect(m.data.return.allowedActions.sort()).toEqual(['approve', 'reject']);
    expect(m.data.return.actions).toEqual([
      { name: 'approve', label: '同意售后', function: 'reviewReturn', action: 'approve' },
      { name: 'reject', label: '拒绝售后', function: 'reviewReturn', action: 'reject' },
    ]);
    expect(m.data.return.buyerOpenid).toBe(DEMO.buyer);
    expect(m.data.return.evidence.every((e: any) => typeof e.tempFileURL === 'string')).toBe(true);
    const a = await get(mine[0].returnId, arbiter);
    expect(a.ok).toBe(true);
    expect(a.data.return.allowedActions).toEqual([]);
    const ad = await get(theirs.returnId, admin);
    expect(ad.ok).toBe(true);
    expect(ad.data.return.allowedActions.sort()).toEqual(['approve', 'reject']);
  });

  it('after a refund: staff see the refund records, the buyer sees the refund hint', async () => {
    const target = mine[1]; // O1001 L1, refund only
    const approved = await h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: target.returnId }, merchant);
    expect(approved.ok).toBe(true);
    const refunding = await get(target.returnId, buyer);
    expect(refunding.data.return).toMatchObject({ status: 'REFUNDING', statusLabel: '退款中', refundHint: expect.stringContaining('原路退回'), allowedActions: [] });
    await h.flush();
    const b = await get(target.returnId, buyer);
    expect(b.data.return).toMatchObject({
      status: 'REFUNDED',
      statusLabel: '退款成功',
      nextActor: { role: null },
      deadline: null,
      refundHint: '款项已原路退回',
      allowedActions: [],
    });
    expect(b.data.return.refunds).toBeUndefined();
    const m = await get(target.returnId, merchant);
    expect(m.data.return.refunds).toEqual([expect.objectContaining({ outTradeNo: 'T1001', refundFee: 5000, status: 'SUCCESS' })]);
    expect(m.data.return.refunds[0].outRefundNo).toBe(b.data.return.refundIds[0]);
    expect(m.data.return.timeline.map((e: any) => e.action)).toEqual(['apply', 'approve', 'refundSucceeded']);
  });
});

describe('list mine', () => {
  it("only the caller's own after-sales, newest first, paged by cursor without gaps or repeats", async () => {
    const ownIds = (await h.db('returns'))
      .filter((r: any) => r.buyerOpenid === DEMO.buyer)
      .sort((a: any, b: any) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .map((r: any) => r._id);
    expect(ownIds).toHaveLength(mine.length);
    const first = await writesNothing(() => list({ scope: 'mine', limit: 2 }, buyer));
    expect(first.ok).toBe(true);
    expect(first.data.items).toHaveLength(2);
    expect(typeof first.data.nextCursor).toBe('string');
    const { pages, items } = await allPages({ scope: 'mine' }, buyer, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(items.map((i) => i.returnId)).toEqual(ownIds);
    expect(items.map((i) => i.returnId)).not.toContain(theirs.returnId);
    const item = items.find((i) => i.returnId === mine[0].returnId);
    expect(item).toMatchObject({
      orderId: 'O1003',
      type: 'RETURN_REFUND',
      reason: 'DAMAGED',
      status: 'PENDING_REVIEW',
      statusLabel: '待商家处理',
      nextActor: { role: 'MERCHANT' },
      refundAmount: 15000,
      overdue: false,
      lines: [{ lineId: 'L2', quantity: 1, amount: 15000 }],
    });
    expect(item.timeline).toBeUndefined();
    expect(item.evidence).toBeUndefined();

    const whole = await list({ scope: 'mine' }, buyer);
    expect(whole.data.items.map((i: any) => i.returnId)).toEqual(ownIds);
    expect(whole.data.nextCursor).toBeNull();

    const theirsList = await list({ scope: 'mine' }, otherBuyer);
    expect(theirsList.data.items.map((i: any) => i.returnId)).toEqual([theirs.returnId]);
  });

  it('a new after-sale created between two pages neither repeats nor hides an item of the next page', async () => {
    const first = await list({ scope: 'mine', limit: 2 }, buyer);
    const seen = first.data.items.map((i: any) => i.returnId);
    await h.seed({
      orders: [
        {
          _id: 'Q-NEW',
          buyerOpenid: DEMO.buyer,
          status: 'PAID',
          paidAt: new Date((await h.now()) - DAY).toISOString(),
          shippingFee: 0,
          payments: [{ outTradeNo: 'TQ-NEW', channel: 'WECHAT_PAY', amount: 1000, paidAt: new Date((await h.now()) - DAY).toISOString() }],
          lines: [{ lineId: 'L1', skuId: 'N', title: '新品', quantity: 1, unitPrice: 1000, paidAmount: 1000 }],
        },
      ],
    });
    const fresh = await apply('Q-NEW', { lines: [{ lineId: 'L1', quantity: 1 }] });
    let cursor = first.data.nextCursor;
    while (cursor) {
      const page = await list({ scope: 'mine', limit: 2, cursor }, buyer);
      seen.push(...page.data.items.map((i: any) => i.returnId));
      cursor = page.data.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(mine.map((r) => r.returnId).sort()); // the new one is on a fresh first page, not in the middle
    const top = await list({ scope: 'mine', limit: 1 }, buyer);
    expect(top.data.items[0].returnId).toBe(fresh.returnId);
    const c = await h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: fresh.returnId }, buyer);
    expect(c.ok).toBe(true);
  });

  it('status filter', async () => {
    const refunded = await list({ scope: 'mine', status: 'REFUNDED' }, buyer);
    expect(refunded.data.nextCursor).toBeNull();
    expect(refunded.data.items.map((i: any) => i.returnId)).toEqual([mine[1].returnId]);
    const pending = await list({ scope: 'mine', status: 'PENDING_REVIEW' }, buyer);
    expect(pending.data.items.map((i: any) => i.returnId).sort()).toEqual([mine[0], mine[2], mine[3], mine[4]].map((r) => r.returnId).sort());
  });

  it('refusals: bad cursor / limit → INVALID_ARGUMENT; no OPENID → UNAUTHENTICATED', async () => {
    const cursor = await list({ scope: 'mine', cursor: '@@not-a-cursor@@' }, buyer);
    expectError(cursor, 'INVALID_ARGUMENT');
    expect(cursor.error.details.issues[0]).toMatchObject({ path: 'cursor' });
    const limit = await list({ scope: 'mine', limit: 51 }, buyer);
    expectError(limit, 'INVALID_ARGUMENT');
    expect(limit.error.details.issues).toEqual([{ path: 'limit', message: '每页数量 limit 最多为 50' }]);
    const scope = await list({ scope: 'everyone' }, buyer);
    expectError(scope, 'INVALID_ARGUMENT');
    expect(scope.error.details.issues[0]).toMatchObject({ path: 'scope' });
    expectError(await h.call('queryReturns', { action: 'list', scope: 'mine' }), 'UNAUTHENTICATED');
  });
});

describe('list merchant', () => {
  it('staff only: a buyer → FORBIDDEN', async () => {
    const res = await writesNothing(() => list({ scope: 'merchant' }, buyer));
    expectError(res, 'FORBIDDEN', '您没有查看商家售后的权限');
    expectError(await list({ scope: 'merchant' }, otherBuyer), 'FORBIDDEN', '您没有查看商家售后的权限');
    expectError(await h.call('queryReturns', { action: 'list', scope: 'merchant' }), 'UNAUTHENTICATED');
  });

  it('the work queue: open after-sales of every buyer, soonest deadline first (none last), overdue / dueToday flags, across pages', async () => {
    // Put the clock at 10:00 Shanghai of the next day, then seed after-sales with known deadlines around it.
    const now0 = await h.now();
    const shanghaiMidnight = Math.floor((now0 + 8 * HOUR) / DAY) * DAY - 8 * HOUR; // 00:00 Shanghai today, as UTC ms
    const at10 = shanghaiMidnight + DAY + 10 * HOUR;
    const res = await fetch(`${h.url}/_local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ now: new Date(at10).toISOString() }),
    });
    expect(res.status).toBe(200);
    await settle();
    const today = shanghaiMidnight + DAY;
    const doc = (id: string, status: string, deadline: number | null, buyerOpenid: string = DEMO.buyer) => ({
      _id: id,
      orderId: 'O-SEEDED',
      buyerOpenid,
      type: 'REFUND_ONLY',
      reason: 'NO_LONGER_WANTED',
      description: '',
      lines: [{ lineId: 'L1', quantity: 1, amount: 100 }],
      status,
      version: 1,
      deadline: deadline === null ? null : new Date(deadline).toISOString(),
      deadlineAction: null,
      amounts: { items: 100, shipping: 0, total: 100 },
      freightPayer: 'BUYER',
      evidence: [],
      refundIds: [],
      attempts: 1,
      applyKey: id,
      timeline: [],
      createdAt: new Date(at10 - DAY).toISOString(),
      updatedAt: new Date(at10 - DAY).toISOString(),
    });
    const seeded = {
      yesterdayLate: doc('R20990101000000000001', 'PENDING_REVIEW', today - HOUR), // 23:00 yesterday: overdue, not today
      todayMorning: doc('R20990101000000000002', 'IN_TRANSIT', today + 8 * HOUR), // 08:00 today: overdue and due today
      todayEvening: doc('R20990101000000000003', 'AWAITING_SHIPMENT', today + 20 * HOUR, DEMO.otherBuyer), // 20:00 today: due today
      tomorrow: doc('R20990101000000000004', 'REJECTED', today + DAY + 9 * HOUR), // 09:00 tomorrow: neither
      disputed: doc('R20990101000000000005', 'DISPUTED', null), // no deadline: last
      failed: doc('R20990101000000000006', 'REFUND_FAILED', null),
      cancelled: doc('R20990101000000000007', 'CANCELLED', null), // terminal: not in the queue
      refunded: doc('R20990101000000000008', 'REFUNDED', null),
    };
    await h.seed({ returns: Object.values(seeded) });

    const whole = await list({ scope: 'merchant', limit: 50 }, merchant);
    expect(whole.ok).toBe(true);
    const items: any[] = whole.data.items;
    const ids = items.map((i) => i.returnId);
    expect(ids).not.toContain(seeded.cancelled._id);
    expect(ids).not.toContain(seeded.refunded._id);
    expect(ids).not.toContain(mine[1].returnId); // REFUNDED
    expect(ids).toContain(theirs.returnId); // other buyers' after-sales too
    const open = (await h.db('returns')).filter((r: any) => !['REFUNDED', 'CANCELLED', 'CLOSED'].includes(r.status));
    expect(ids.sort()).toEqual(open.map((r: any) => r._id).sort());

    const deadlines = whole.data.items.map((i: any) => (i.deadline === null ? Infinity : Date.parse(i.deadline)));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    expect(
      whole.data.items
        .slice(-2)
        .map((i: any) => i.returnId)
        .sort(),
    ).toEqual([seeded.disputed._id, seeded.failed._id]);

    const by = (id: string) => whole.data.items.find((i: any) => i.returnId === id);
    expect(by(seeded.yesterdayLate._id)).toMatchObject({ overdue: true, dueToday: false, statusLabel: '待商家处理' });
    expect(by(seeded.todayMorning._id)).toMatchObject({ overdue: true, dueToday: true, nextActor: { role: 'MERCHANT' } });
    expect(by(seeded.todayEvening._id)).toMatchObject({ overdue: false, dueToday: true, nextActor: { role: 'BUYER' } });
    expect(by(seeded.tomorrow._id)).toMatchObject({ overdue: false, dueToday: false });
    expect(by(seeded.disputed._id)).toMatchObject({ overdue: false, dueToday: false, deadline: null });

    // the same order page by page
    const { items: paged } = await allPages({ scope: 'merchant' }, merchant, 3);
    expect(paged.map((i) => i.returnId)).toEqual(whole.data.items.map((i: any) => i.returnId));

    // the merchant handles an after-sale between two pages: nothing else is skipped or repeated
    const page1 = await list({ scope: 'merchant', limit: 3 }, merchant);
    const handled = page1.data.items.find((i: any) => i.returnId === seeded.todayMorning._id);
    expect(handled).toBeDefined();
    await h.seed({ returns: [{ ...seeded.todayMorning, status: 'REFUNDED', deadline: null }] });
    const rest = await allPages({ scope: 'merchant', ...(page1.data.nextCursor ? { cursor: page1.data.nextCursor } : {}) }, merchant, 3);
    const walked = [...page1.data.items, ...rest.items].map((i: any) => i.returnId);
    expect(walked).toEqual(whole.data.items.map((i: any) => i.returnId));

    // a status filter, and other staff roles
    const rejected = await list({ scope: 'merchant', status: 'REJECTED' }, merchant);
    expect(rejected.data.items.map((i: any) => i.returnId)).toEqual([seeded.tomorrow._id]);
    const cancelled = await list({ scope: 'merchant', status: 'CANCELLED' }, merchant);
    expect(cancelled.data.items.map((i: any) => i.returnId)).toContain(seeded.cancelled._id);
    expect(cancelled.data.items.every((i: any) => i.status === 'CANCELLED')).toBe(true);
    expect((await list({ scope: 'merchant' }, arbiter)).ok).toBe(true);
    expect((await list({ scope: 'merchant' }, admin)).ok).toBe(true);
  });
});

describe('queryReturns whoami', () => {
  it('answers the caller from getWXContext, with staff roles', async () => {
    const buyer = await h.call('queryReturns', { action: 'whoami', userInfo: { openId: 'forged' } }, { openid: DEMO.buyer });
    expect(buyer).toEqual({ ok: true, data: { openid: DEMO.buyer, roles: [], name: null } });
    const merchant = await h.call('queryReturns', { action: 'whoami' }, { openid: DEMO.merchant });
    expect(merchant.data).toMatchObject({ openid: DEMO.merchant, roles: ['MERCHANT'] });
  });
  it('needs an OPENID and a mini-program caller', async () => {
    expect((await h.call('queryReturns', { action: 'whoami' })).error.code).toBe('UNAUTHENTICATED');
    expect((await h.call('queryReturns', { action: 'whoami' }, { openid: DEMO.buyer, source: 'wx_trigger' })).error.code).toBe('FORBIDDEN');
  });
});
