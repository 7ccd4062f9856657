/**
 * @jest-environment jsdom
 *
 * The apply page and the api module against the real functions: refusals
 * shown in Chinese before submitting, one request per double tap, the same
 * requestId after a network failure, evidence upload under evidence/<openid>/,
 * the local (HTTP) mode, and the staff pages refusing a buyer.
 */
import path from 'node:path';
import { usePages, DEMO, MP_ROOT } from './support/pages';
import { tmpJpeg } from './support/returns';

// The api module as the pages load it (typed by the mini-program's own tsconfig, not this one).
let api: any;
const env = usePages({ afterEachTest: () => api.resetApiState() });
beforeAll(() => {
  api = require(path.join(MP_ROOT, 'utils', 'api'));
});

const applyCalls = () => env.shim.calls.filter((c) => c.name === 'applyReturn' && c.data.action === 'apply');

describe('preview refusals before submitting', () => {
  it('no-reason window closed (received 8 days ago): the Chinese reason, no submit', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1004' });
    expect(page.data.lines[0].selected).toBe(true); // the only line
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('不想要了')));
    expect(page.exists('.preview-refused')).toBe(true);
    expect(page.text('.preview-refused')).toContain('暂不符合售后条件');
    expect(page.text('.refusal')).toMatch(/七天无理由退货期已于.*结束/);
    expect(page.json().children[0].children.length).toBeGreaterThan(0);
    expect(page.data.canSubmit).toBe(false);
    await page.tap('.submit-btn');
    expect(applyCalls()).toHaveLength(0);
    expect(env.shim.toasts.at(-1)).toMatch(/无理由退货期/);

    // a seller-side reason is still possible, and needs a photo
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('质量问题')));
    expect(page.text('.preview-refused')).toMatch(/照片|凭证/);
  });

  it('exempt goods (fresh): refused per line with the goods title, the other line stays fine', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1006', lineId: 'L1' });
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('不想要了')));
    expect(page.text('.refusal')).toMatch(/^· 智利车厘子 2斤：该商品属于.*不支持七天无理由退货/);
  });

  it('someone else’s order: the 无法申请售后 state with the server’s reason, no form and no submit', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1001', lineId: 'L1' });
    env.as(DEMO.otherBuyer);
    await page.change('.reason-picker', '0');
    expect(page.text('.forbidden .state-title')).toBe('无法申请售后');
    expect(page.text('.forbidden-text')).toBe('这不是您的订单，不能申请售后');
    expect(page.exists('.reason-picker')).toBe(false);
    expect(page.exists('.submit-btn')).toBe(false);
  });
});

describe('evidence', () => {
  it('a quality issue needs a photo: uploaded under evidence/<openid>/, the preview turns eligible, the detail shows it', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1003', lineId: 'L1' });
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('质量问题')));
    expect(page.exists('.preview-refused')).toBe(true);
    env.shim.nextMedia = [{ tempFilePath: tmpJpeg(), size: 4096, fileType: 'image' }];
    await page.tap('.add-evidence');
    expect(page.data.evidence).toHaveLength(1);
    expect(page.data.evidence[0].fileID).toMatch(/^cloud:\/\/.+\/evidence\/o_demo_buyer\/\d+-\w+\.jpg$/);
    expect(page.exists('.preview-ok')).toBe(true);
    expect(page.text('.preview-freight')).toContain('商家承担');
    await page.tap('.submit-btn');
    expect(applyCalls()[0].data.evidence).toEqual([page.data.evidence[0].fileID]);
    const returnId = /returnId=(R\d+)/.exec(env.shim.nav.at(-1)?.url ?? '')![1];
    const detail = await env.open('return-detail', { returnId });
    expect(detail.data.view.evidence).toHaveLength(1);
    expect(detail.data.view.evidence[0].url).toMatch(/^https?:\/\//);
    expect(detail.exists('.evidence-thumb')).toBe(true);
  });
});

describe('one request per double tap; the same requestId after a network failure', () => {
  it('a double tap on 提交申请 sends one apply', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1001', lineId: 'L2' });
    expect(page.data.type).toBe('REFUND_ONLY');
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('拍错/多拍')));
    expect(page.exists('.preview-ok')).toBe(true);
    const btn = page.comp.querySelector('.submit-btn');
    btn.dispatchEvent('tap');
    btn.dispatchEvent('tap');
    await env.settle();
    expect(applyCalls()).toHaveLength(1);
    expect(env.shim.nav.filter((n) => n.kind === 'redirectTo')).toHaveLength(1);
    const returns = (await env.emu.db('returns')).filter((r: any) => r.orderId === 'O1001');
    expect(returns).toHaveLength(1);
  });

  it('the api module: identical calls in flight share one request', async () => {
    env.as(DEMO.buyer);
    const [a, b] = await Promise.all([api.call('queryReturns', { action: 'list', scope: 'mine' }), api.call('queryReturns', { action: 'list', scope: 'mine' })]);
    expect(a).toBe(b);
    expect(env.shim.calls).toHaveLength(1);
  });

  it('an answer lost on the network: retried automatically with the same requestId, done once', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1001', lineId: 'L1' });
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('拍错/多拍')));
    env.shim.failures = ['after'];
    await page.tap('.submit-btn');
    const calls = applyCalls();
    expect(calls).toHaveLength(2);
    expect(calls[0].dropped).toBe('after');
    expect(calls[1].data.requestId).toBe(calls[0].data.requestId);
    expect(env.shim.nav.at(-1)?.kind).toBe('redirectTo');
    const returns = (await env.emu.db('returns')).filter((r: any) => r.orderId === 'O1001' && r.lines.some((l: any) => l.lineId === 'L1'));
    expect(returns).toHaveLength(1);
  });

  it('every retry failed: a Chinese network toast, and the next tap reuses the requestId (the server answers with the first result)', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('return-detail', { returnId: (await env.emu.db('returns')).find((r: any) => r.orderId === 'O1001' && r.status === 'PENDING_REVIEW')._id });
    expect(page.exists('.action-cancel')).toBe(true);
    env.shim.failures = ['after', 'before', 'before'];
    await page.tap('.action-cancel');
    expect(env.shim.modals[0].title).toBe('撤销售后申请');
    let cancels = env.shim.calls.filter((c) => c.data.action === 'cancel');
    expect(cancels).toHaveLength(3);
    expect(new Set(cancels.map((c) => c.data.requestId)).size).toBe(1);
    expect(env.shim.toasts.at(-1)).toBe('网络不给力，请检查网络后重试');
    await page.tap('.action-cancel');
    cancels = env.shim.calls.filter((c) => c.data.action === 'cancel');
    expect(cancels).toHaveLength(4);
    expect(cancels[3].data.requestId).toBe(cancels[0].data.requestId);
    expect(page.text('.status-label')).toBe('已撤销');
    const ret = (await env.emu.db('returns')).find((r: any) => r._id === page.data.returnId);
    expect(ret.timeline.filter((e: any) => e.action === 'cancel')).toHaveLength(1);
  });
});

describe('error toasts by code', () => {
  it('Chinese text per code; the server message where it is specific', () => {
    expect(api.errorText(new api.ApiError('CONFLICT', 'x'))).toBe('售后单刚刚有更新，请刷新后重试');
    expect(api.errorText(new api.ApiError('FORBIDDEN', 'x'))).toBe('无权限进行此操作');
    expect(api.errorText(new api.ApiError('PAYMENT_UNAVAILABLE', 'x'))).toBe('支付平台暂时繁忙，系统会自动重试退款');
    expect(api.errorText(new api.ApiError('NOT_ELIGIBLE', '该商品属于生鲜'))).toBe('该商品属于生鲜');
    expect(api.errorText(new api.ApiError('INVALID_ARGUMENT', '请求参数不正确', { issues: [{ path: 'trackingNo', message: '快递单号格式不正确' }] }))).toBe('快递单号格式不正确');
    for (const code of Object.keys(api.ERROR_TEXT)) expect(api.ERROR_TEXT[code as keyof typeof api.ERROR_TEXT]).toMatch(/[\u4e00-\u9fff]/);
  });

  it('a business error from the function becomes a toast (INVALID_STATE: cancel an after-sale already cancelled)', async () => {
    env.as(DEMO.buyer);
    const cancelled = (await env.emu.db('returns')).find((r: any) => r.status === 'CANCELLED');
    await expect(api.api.cancel(cancelled._id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(env.shim.toasts.at(-1)).toMatch(/[\u4e00-\u9fff]/);
  });
});

describe('staff pages refuse a buyer', () => {
  it('the work queue shows 无权限', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('staff-queue');
    expect(page.exists('.forbidden')).toBe(true);
    expect(page.text('.forbidden .state-title')).toBe('无权限');
    expect(page.exists('.queue-item')).toBe(false);
  });

  it('the review page shows 无权限', async () => {
    env.as(DEMO.otherBuyer);
    const any = (await env.emu.db('returns'))[0];
    const page = await env.open('staff-review', { returnId: any._id });
    expect(page.text('.forbidden .state-title')).toBe('无权限');
    expect(page.exists('.submit-btn')).toBe(false);
  });

  it('also for the buyer who owns the after-sale (queryReturns get would answer them)', async () => {
    env.as(DEMO.buyer);
    const mine = (await env.emu.db('returns')).find((r: any) => r.buyerOpenid === DEMO.buyer);
    const page = await env.open('staff-review', { returnId: mine._id });
    expect(page.text('.forbidden .state-title')).toBe('无权限');
    expect(page.exists('.action-panel')).toBe(false);
  });
});

describe('local mode: the same api module over HTTP (wx.request + x-wx-openid)', () => {
  it('my after-sales loads from the emulator as config.local.openid', async () => {
    const { config } = require(path.join(MP_ROOT, 'config'));
    config.mode = 'local';
    config.local.baseUrl = env.emu.url;
    config.local.openid = DEMO.buyer;
    env.as('');
    try {
      const page = await env.open('my-returns');
      expect(env.shim.calls).toHaveLength(0); // no wx.cloud
      expect(page.texts('.card-status').length).toBeGreaterThan(0);
      expect(page.texts('.card-status')).toContain('已撤销');
    } finally {
      config.mode = 'cloud';
    }
  });
});
