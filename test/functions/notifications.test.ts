/**
 * Subscribe messages within WeChat's one-time consents (docs/platform-limits.md,
 * "open API"): each accept allows one message of that template; the server
 * spends consents on the messages that matter (decisions, refunds), records
 * the rest as not sent, and never retries a send WeChat refused for want of
 * consent (43101). Staff get a message for a new application after accepting.
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, dataOf, buyer, merchant } from '../support/functions';

const h = useEmulator();
const f = fx(h);

const STATUS_TPL = 'TPL_AFTERSALE_STATUS';
const REMINDER_TPL = 'TPL_AFTERSALE_REMINDER';

/** What a tap on wx.requestSubscribeMessage does: WeChat records the accepts, and the page reports them to the server. */
async function accept(openid: string, templateIds: string[], returnId?: string): Promise<any> {
  const wx = await fetch(`${h.url}/_local/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openid, templateIds }) });
  expect(wx.status).toBe(200);
  return dataOf(await h.call('queryReturns', { action: 'subscribe', templateIds, ...(returnId ? { returnId } : {}) }, { openid }));
}

async function sendsTo(openid: string, returnId: string): Promise<any[]> {
  return (await h.outbox()).filter((m: any) => m.api === 'subscribeMessage.send' && m.data?.touser === openid && m.data?.data?.character_string1?.value === returnId);
}

async function notesOf(returnId: string, touser: string): Promise<any[]> {
  return (await h.db('notifications'))
    .filter((n: any) => n.returnId === returnId && n.touser === touser)
    .sort((a: any, b: any) => String(a.createdAt).localeCompare(String(b.createdAt)));
}

describe('buyer: consent at apply and at submit-logistics', () => {
  it('receives exactly the decisive messages (approved, refunded); the missing one is explained', async () => {
    await f.seedOneLineOrder('ONOTE1', 1, 20000);
    // tap 「提交申请」: both templates accepted once
    await accept(DEMO.buyer, [STATUS_TPL, REMINDER_TPL]);
    const ret = await f.apply('ONOTE1', 'RETURN_REFUND');
    expect(await f.approve(ret.returnId)).toMatchObject({ status: 'AWAITING_SHIPMENT' });
    // the timer's next pass (every minute) sends the messages
    await f.sweep();
    // tap 「提交物流」: one more consent of the status template
    await accept(DEMO.buyer, [STATUS_TPL]);
    const shipped = await h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid('ship'), returnId: ret.returnId, carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer);
    expect(dataOf(shipped).return.status).toBe('IN_TRANSIT');
    const received = await f.review({ action: 'confirmReceipt', returnId: ret.returnId });
    expect(dataOf(received).return.status).toBe('REFUNDING');
    // a pass while the refund runs: the buyer's latest news is 退款处理中 (their own shipment is not announced to them)
    await f.sweep();
    await f.settle();
    expect((await f.returnDoc(ret.returnId)).status).toBe('REFUNDED');
    await f.sweep();

    const sent = await sendsTo(DEMO.buyer, ret.returnId);
    expect(sent.map((m) => [m.data.data.phrase2.value, m.result.errCode])).toEqual([
      ['待买家寄回', 0],
      ['退款成功', 0],
    ]);
    // 退款处理中 was kept back: the last consent was needed for 退款成功.
    const notes = await notesOf(ret.returnId, DEMO.buyer);
    expect(notes.map((n) => n.status)).toEqual(['SENT', 'HELD', 'SENT']);
    expect(notes[1]).toMatchObject({ priority: 'info', lastError: '订阅次数仅剩 1 次，已留给更重要的通知' });

    // the detail page asks (no tap: no new consent) and can explain
    const state = dataOf(await h.call('queryReturns', { action: 'subscribe', templateIds: [], returnId: ret.returnId }, buyer));
    expect(state.consents).toEqual({ statusChanged: 0, reminder: 1 });
    expect(state.missed).toEqual([expect.objectContaining({ hint: '退款处理中，将原路退回', reason: '订阅次数仅剩 1 次，已留给更重要的通知' })]);
    // WeChat's own count agrees with the server's
    const wx = await (await fetch(`${h.url}/_local/subscribe?openid=${DEMO.buyer}`)).json();
    expect(wx.consents).toEqual({ [REMINDER_TPL]: 1 });
  });

  it('without consent nothing is sent and the page can say so', async () => {
    await f.seedOneLineOrder('ONOTE2', 1, 9900);
    const ret = await f.apply('ONOTE2', 'REFUND_ONLY');
    const rejected = await f.review({ action: 'reject', returnId: ret.returnId, reason: '商品已影响二次销售' });
    expect(dataOf(rejected).return.status).toBe('REJECTED');
    await f.sweep();
    expect(await sendsTo(DEMO.buyer, ret.returnId)).toEqual([]);
    const notes = await notesOf(ret.returnId, DEMO.buyer);
    expect(notes).toEqual([expect.objectContaining({ status: 'NO_CONSENT', tries: 0, nextAttemptAt: null })]);
    const state = dataOf(await h.call('queryReturns', { action: 'subscribe', returnId: ret.returnId }, buyer));
    expect(state.missed).toEqual([expect.objectContaining({ status: '商家已拒绝', reason: '未订阅通知（每次订阅只能收到一条），本条未发送' })]);
  });
});

describe('a send WeChat refuses for want of consent (43101)', () => {
  it('is recorded with 43101 and never retried', async () => {
    await f.seedOneLineOrder('ONOTE3', 1, 9900);
    // The server was told of an accept WeChat never saw (e.g. reported twice): WeChat answers 43101.
    dataOf(await h.call('queryReturns', { action: 'subscribe', templateIds: [STATUS_TPL] }, buyer));
    const ret = await f.apply('ONOTE3', 'RETURN_REFUND');
    const wx = await (await fetch(`${h.url}/_local/subscribe?openid=${DEMO.buyer}`)).json();
    expect(wx.consents[STATUS_TPL] ?? 0).toBe(0);
    const moved = await f.review({ action: 'approve', returnId: ret.returnId });
    expect(dataOf(moved).return.status).toBe('AWAITING_SHIPMENT');
    await f.sweep();
    const sent = await sendsTo(DEMO.buyer, ret.returnId);
    expect(sent).toHaveLength(1);
    expect(sent[0].result).toMatchObject({ errCode: 43101, errMsg: 'openapi.subscribeMessage.send:fail user refuse to accept the msg' });
    const [note] = await notesOf(ret.returnId, DEMO.buyer);
    expect(note).toMatchObject({ status: 'REFUSED', tries: 1, nextAttemptAt: null });
    expect(note.lastError).toMatch(/^43101/);
    // the server's count is reset and the sweep does not retry it
    const state = dataOf(await h.call('queryReturns', { action: 'subscribe' }, buyer));
    expect(state.consents.statusChanged).toBe(0);
    const run = await f.sweep();
    expect(run.notifications).toMatchObject({ retried: 0 });
    expect(await sendsTo(DEMO.buyer, ret.returnId)).toHaveLength(1);
  });
});

describe('staff', () => {
  it('receive a new-application message after accepting on the queue; staff without consent get none', async () => {
    await f.seedOneLineOrder('ONOTE4', 1, 9900);
    // 「接收新售后提醒」 on the work queue
    await accept(DEMO.merchant, [STATUS_TPL]);
    const ret = await f.apply('ONOTE4', 'REFUND_ONLY');
    await f.sweep();
    const toMerchant = await sendsTo(DEMO.merchant, ret.returnId);
    expect(toMerchant).toHaveLength(1);
    expect(toMerchant[0]).toMatchObject({ result: { errCode: 0 }, data: { template_id: STATUS_TPL, page: `aftersale/pages/staff-review/index?returnId=${ret.returnId}` } });
    expect(toMerchant[0].data.data.thing3.value).toBe('有新的售后申请，请及时审核');
    // the admin never accepted: nothing sent, recorded
    expect(await sendsTo(DEMO.admin, ret.returnId)).toEqual([]);
    expect((await notesOf(ret.returnId, DEMO.admin)).map((n) => n.status)).toEqual(['NO_CONSENT']);
    // the consent is spent: a second application reaches nobody
    await f.seedOneLineOrder('ONOTE5', 1, 9900);
    const second = await f.apply('ONOTE5', 'REFUND_ONLY');
    await f.sweep();
    expect(await sendsTo(DEMO.merchant, second.returnId)).toEqual([]);
    expect((await notesOf(second.returnId, DEMO.merchant)).map((n) => n.status)).toEqual(['NO_CONSENT']);
  });

  it('the arbiter hears of an appeal', async () => {
    await f.seedOneLineOrder('ONOTE6', 1, 9900);
    await accept(DEMO.arbiter, [STATUS_TPL]);
    const ret = await f.apply('ONOTE6', 'REFUND_ONLY');
    expect(dataOf(await f.review({ action: 'reject', returnId: ret.returnId, reason: '商品已影响二次销售' })).return.status).toBe('REJECTED');
    const appealed = await h.call('applyReturn', { action: 'appeal', requestId: rid('appeal'), returnId: ret.returnId, description: '商品有明显质量问题，商家拒绝不合理' }, buyer);
    expect(dataOf(appealed).return.status).toBe('DISPUTED');
    await f.sweep();
    const toArbiter = await sendsTo(DEMO.arbiter, ret.returnId);
    expect(toArbiter.map((m) => [m.data.data.thing3.value, m.result.errCode])).toEqual([['买家申请主管复核，请处理', 0]]);
  });
});

describe('the consent report', () => {
  it('takes at most 3 template ids, as wx.requestSubscribeMessage', async () => {
    const res = await h.call('queryReturns', { action: 'subscribe', templateIds: ['a', 'b', 'c', 'd'] }, merchant);
    expect(res).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(res.error.details.issues[0]).toMatchObject({ path: 'templateIds', message: '一次最多订阅 3 个模板' });
    const wx = await fetch(`${h.url}/_local/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ openid: DEMO.merchant, templateIds: ['a', 'b', 'c', 'd'] }),
    });
    expect(wx.status).toBe(400);
    expect((await wx.json()).errCode).toBe(20003);
  });
});
