/**
 * @jest-environment jsdom
 *
 * One-time subscribe messages through the pages against the REAL functions:
 * every buyer tap that leads to a later change asks for consent (the wx shim
 * records the accepts with the emulator, as WeChat would, and the page reports
 * them to the server); the server spends them on the decisive messages; the
 * detail page explains what was not sent and offers 订阅进度提醒; staff
 * accept on the work queue (接收新售后提醒) and then hear of a new application.
 */
import { usePages, DEMO } from './support/pages';
import { apply, must } from './support/returns';
import { httpJson } from '../../scripts/miniprogram/wx-shim';

const env = usePages();

const STATUS_TPL = 'TPL_AFTERSALE_STATUS';
const REMINDER_TPL = 'TPL_AFTERSALE_REMINDER';

async function outboxTo(openid: string, returnId: string): Promise<any[]> {
  const res = await httpJson(env.emu.url, 'GET', '/_local/outbox');
  return (res.body.data as any[]).filter((m) => m.api === 'subscribeMessage.send' && m.data?.touser === openid && m.data?.data?.character_string1?.value === returnId);
}

/** The timer's next pass (every minute): messages wait in the after-sale's outbox until then. */
async function timerPass(): Promise<void> {
  const res = await httpJson(env.emu.url, 'POST', '/_local/triggers/sweepTimeouts', {});
  if (res.status !== 200) throw new Error(`sweep: ${JSON.stringify(res.body)}`);
}

async function consentsAtWeChat(openid: string): Promise<Record<string, number>> {
  return (await httpJson(env.emu.url, 'GET', `/_local/subscribe?openid=${openid}`)).body.consents;
}

const returnIdFromNav = () => {
  const nav = env.shim.nav.find((n) => n.kind === 'redirectTo' && n.url?.startsWith('../return-detail/index'));
  const m = /returnId=(R\d+)/.exec(nav?.url ?? '');
  if (!m) throw new Error(`no redirect to the detail: ${JSON.stringify(env.shim.nav)}`);
  return m[1];
};

describe('a buyer who accepted at apply and at submit-logistics', () => {
  let returnId = '';

  it('apply: the tap asks for both templates and the accepts reach WeChat and the server', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1003', lineId: 'L2' });
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('不想要了')));
    await page.tap('.submit-btn');
    expect(env.shim.subscribes).toEqual([[STATUS_TPL, REMINDER_TPL]]);
    returnId = returnIdFromNav();
    const report = env.shim.calls.find((c) => c.name === 'queryReturns' && c.data.action === 'subscribe');
    expect(report?.data).toMatchObject({ action: 'subscribe', templateIds: [STATUS_TPL, REMINDER_TPL] });
    expect(await consentsAtWeChat(DEMO.buyer)).toEqual({ [STATUS_TPL]: 1, [REMINDER_TPL]: 1 });
  });

  it('approved (message 1), logistics submitted with a new consent, received, refunded (message 2)', async () => {
    await must(env, 'reviewReturn', { action: 'approve', returnId }, DEMO.merchant);
    await timerPass();
    env.as(DEMO.buyer);
    const page = await env.open('logistics', { returnId });
    await page.change('.carrier-picker', '0');
    await page.input('.tracking-input', 'SF1234567890123');
    await page.tap('.submit-btn');
    expect(env.shim.subscribes).toEqual([[STATUS_TPL, REMINDER_TPL]]);
    expect(env.shim.calls.filter((c) => c.name === 'submitLogistics').map((c) => c.error ?? null)).toEqual([null]);
    await must(env, 'reviewReturn', { action: 'confirmReceipt', returnId }, DEMO.merchant);
    // A pass while the refund runs (退款中: informational, the last consent is kept), then one after it succeeded.
    await timerPass();
    await env.emu.flush();
    await env.settle();
    const ret = (await env.emu.db('returns')).find((r: any) => r._id === returnId);
    expect(ret.status).toBe('REFUNDED');
    await timerPass();

    const sent = await outboxTo(DEMO.buyer, returnId);
    expect(sent.map((m) => [m.data.data.phrase2.value, m.result.errCode])).toEqual([
      ['待买家寄回', 0],
      ['退款成功', 0],
    ]);
  });

  it('the detail page explains the message that was kept back', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('return-detail', { returnId });
    expect(page.text('.status-label')).toBe('退款成功');
    expect(page.texts('.updates-missed')).toEqual(['「退款中」退款处理中，将原路退回（订阅次数仅剩 1 次，已留给更重要的通知）']);
    // finished: nothing left to subscribe to
    expect(page.exists('.updates-subscribe')).toBe(false);
  });
});

describe('a buyer without consent', () => {
  it('is told how to get updates, and 订阅进度提醒 gives one', async () => {
    env.shim.subscribeAnswer = 'reject';
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1003', lineId: 'L1' });
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('不想要了')));
    await page.tap('.submit-btn');
    const returnId = returnIdFromNav();
    expect(env.shim.calls.filter((c) => c.name === 'queryReturns' && c.data.action === 'subscribe' && c.data.templateIds?.length)).toEqual([]);
    await must(env, 'reviewReturn', { action: 'approve', returnId }, DEMO.merchant);
    await timerPass();
    expect(await outboxTo(DEMO.buyer, returnId)).toEqual([]);

    const detail = await env.open('return-detail', { returnId });
    expect(detail.text('.status-label')).toBe('待买家寄回');
    expect(detail.texts('.updates-missed')).toEqual(['「待买家寄回」商家已同意，请在期限内寄回商品（未订阅通知（每次订阅只能收到一条），本条未发送）']);
    expect(detail.text('.updates-advice')).toContain('点「订阅进度提醒」可接收下一条进度通知');
    expect(detail.text('.updates-left')).toBe('未订阅进度通知');

    env.shim.subscribeAnswer = 'accept';
    // not on a tap (e.g. from onShow): WeChat does not show the dialog, nothing is accepted
    await detail.run('onSubscribe');
    expect(env.shim.subscribeRefusals).toEqual([[STATUS_TPL, REMINDER_TPL]]);
    expect(detail.text('.updates-left')).toBe('未订阅进度通知');
    await detail.tap('.updates-subscribe');
    expect(env.shim.toasts.at(-1)).toBe('已订阅，进度有更新时会通知您');
    expect(detail.text('.updates-left')).toBe('还可接收 1 条进度通知');
    expect(detail.exists('.updates-advice')).toBe(false);
  });
});

describe('staff', () => {
  it('accept on the work queue (接收新售后提醒), then receive a new-application message', async () => {
    env.as(DEMO.merchant);
    const queue = await env.open('staff-queue');
    expect(queue.text('.alerts-text')).toBe('微信提醒为一次性订阅：点一次只能收到一条，用完需再点');
    await queue.tap('.alerts-subscribe');
    expect(env.shim.subscribes).toEqual([[STATUS_TPL, REMINDER_TPL]]);
    expect(queue.text('.alerts-text')).toBe('还可接收 1 条新售后提醒（每点一次多一条）');

    const returnId = await apply(env, 'O1001', 'REFUND_ONLY', 'NO_LONGER_WANTED', [{ lineId: 'L2', quantity: 1 }]);
    await timerPass();
    const toMerchant = await outboxTo(DEMO.merchant, returnId);
    expect(toMerchant).toHaveLength(1);
    expect(toMerchant[0]).toMatchObject({ result: { errCode: 0 }, data: { template_id: STATUS_TPL, page: `aftersale/pages/staff-review/index?returnId=${returnId}` } });
    expect(toMerchant[0].data.data.thing3.value).toBe('有新的售后申请，请及时审核');
  });
});
