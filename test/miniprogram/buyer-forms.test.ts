/**
 * @jest-environment jsdom
 *
 * Buyer pages against the real functions, where the audit found defects:
 * links with `id` (older messages), modifying an after-sale that already has
 * photos, the appeal form (kept over onShow, per-side photo limit, removable
 * photos), a preview that could not run (not a refusal; 重试), another
 * buyer's after-sale (无权查看), 重新加载 after a failed load, the staff entry
 * on 我的售后, and the overdue / due-today colours of the list.
 */
import path from 'node:path';
import { usePages, DEMO, MP_ROOT } from './support/pages';
import { apply, atTenInShanghai, must, pickedPhotos, setDeadline, uploadPhoto } from './support/returns';
import { measure, ORANGE, RED } from './support/styles';

const env = usePages({
  afterEachTest: () => {
    require(path.join(MP_ROOT, 'utils', 'api')).resetApiState();
    require(path.join(MP_ROOT, 'utils', 'session')).resetSession();
  },
});

let tenAm = 0;
beforeAll(async () => {
  tenAm = await atTenInShanghai(env);
});

describe('links of subscribe messages', () => {
  let kettle = '';
  let socks = '';

  beforeAll(async () => {
    kettle = await apply(env, 'O1002', 'REFUND_ONLY', 'NOT_RECEIVED', [{ lineId: 'L1', quantity: 1 }]);
    socks = await apply(env, 'O1001', 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L2', quantity: 1 }]);
  });

  it('return-detail opens the after-sale of an older message (id=); returnId wins when both are given', async () => {
    env.as(DEMO.buyer);
    const byId = await env.open('return-detail', { id: kettle });
    expect(byId.text('.status-label')).toBe('待商家处理');
    expect(byId.texts('.goods-title')).toEqual(['电热水壶 1.7L']);
    expect(env.shim.calls.find((c) => c.data.action === 'get')?.data.returnId).toBe(kettle);

    const both = await env.open('return-detail', { returnId: socks, id: kettle });
    expect(both.texts('.goods-title')).toEqual(['运动袜 三双装']);
  });

  it('staff-review opens the after-sale of an older message (id=)', async () => {
    env.as(DEMO.merchant);
    const page = await env.open('staff-review', { id: kettle });
    expect(page.text('.sh-status')).toBe('待商家处理');
    expect(page.data.actions.map((a: any) => a.name)).toEqual(['approve', 'reject', 'propose']);
    expect(page.texts('.goods-title')).toEqual(['电热水壶 1.7L']);
  });

  it('我的售后: an overdue deadline is red, one due today orange', async () => {
    await setDeadline(env, kettle, new Date(tenAm - 2 * 3_600_000)); // 08:00 today: overdue
    await setDeadline(env, socks, new Date(tenAm + 8 * 3_600_000)); // 18:00 today
    env.as(DEMO.buyer);
    const page = await env.open('my-returns');
    expect(page.text('.card-overdue .card-deadline')).toMatch(/^（已超时 2 小时/);
    expect(page.text('.card-today .card-deadline')).toMatch(/^（剩余/);
    const seen = await measure(page, 'my-returns', ['.card-overdue .card-deadline', '.card-today .card-deadline']);
    expect(seen['.card-overdue .card-deadline'].map((m) => m.color)).toEqual([RED]);
    expect(seen['.card-today .card-deadline'].map((m) => m.color)).toEqual([ORANGE]);
  }, 30_000);

  it('another buyer’s after-sale: 无权查看 with the server’s reason, no actions (detail and modify)', async () => {
    env.as(DEMO.otherBuyer);
    const detail = await env.open('return-detail', { returnId: kettle });
    expect(detail.text('.forbidden .state-title')).toBe('无权查看');
    expect(detail.text('.forbidden-text')).toBe('这不是您的售后单，无权查看或操作');
    expect(detail.exists('.action-btn')).toBe(false);
    expect(detail.exists('.status-label')).toBe(false);

    const modify = await env.open('apply', { returnId: kettle });
    expect(modify.text('.forbidden-text')).toBe('这不是您的售后单，无权查看或操作');
    expect(modify.exists('.submit-btn')).toBe(false);
    expect(modify.exists('.reason-picker')).toBe(false);
  });
});

describe('modify an after-sale whose reason needs photos', () => {
  let earbuds = '';
  beforeAll(async () => {
    earbuds = await apply(env, 'O1004', 'RETURN_REFUND', 'QUALITY_ISSUE', [{ lineId: 'L1', quantity: 1 }], { evidence: [await uploadPhoto(env)] });
  });

  it('the photos already attached are shown and leave 8 of 9 to add', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { returnId: earbuds });
    expect(page.comp.querySelectorAll('.existing-evidence')).toHaveLength(1);
    expect(page.text('.existing-evidence')).toContain('已提交');
    expect(page.exists('.existing-evidence .thumb-remove')).toBe(false); // read-only
    expect(page.text('.evidence-room')).toBe('已提交 1 个凭证（保留不变），还可补充 8 个');
    env.shim.nextMedia = pickedPhotos(9);
    await page.tap('.add-evidence');
    expect(page.data.evidence).toHaveLength(8);
    expect(page.exists('.add-evidence')).toBe(false);
    expect(page.text('.evidence-room')).toContain('已达上限');
  });

  it('resubmitted without new photos: the photo already attached counts, the server accepts it', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { returnId: earbuds });
    await page.input('.description-input', '左耳机没有声音，附件照片已上传');
    await page.tap('.submit-btn');
    expect(env.shim.toasts).not.toContain('「质量问题」需要上传至少一张照片');
    const modifies = env.shim.calls.filter((c) => c.data.action === 'modify');
    expect(modifies).toHaveLength(1);
    expect(modifies[0].data.evidence).toBeUndefined();
    expect(env.shim.nav.at(-1)).toEqual({ kind: 'redirectTo', url: `../return-detail/index?returnId=${earbuds}` });
    const stored = (await env.emu.db('returns')).find((r: any) => r._id === earbuds);
    expect(stored.description).toBe('左耳机没有声音，附件照片已上传');
    expect(stored.evidence).toHaveLength(1);
  });
});

describe('the appeal form', () => {
  let mugs = '';
  beforeAll(async () => {
    const photos: string[] = [];
    for (let i = 0; i < 8; i++) photos.push(await uploadPhoto(env));
    mugs = await apply(env, 'O1003', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }], { evidence: photos });
    await must(env, 'reviewReturn', { action: 'reject', returnId: mugs, reason: '商品已使用，影响二次销售' }, DEMO.merchant);
  });

  it('8 photos of the buyer attached: one more can be added; it can be removed; the form survives onShow (back from the photo picker)', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('return-detail', { returnId: mugs });
    await page.tap('.action-appeal');
    await page.input('.appeal-input', '商品未使用，吊牌完好，附照片');
    env.shim.nextMedia = pickedPhotos(3);
    await page.tap('.appeal-add');
    expect(page.comp.querySelectorAll('.appeal-photo')).toHaveLength(1);
    expect(page.exists('.appeal-add')).toBe(false);
    expect(page.text('.appeal-room')).toBe('凭证已达上限（每个售后单您最多上传 9 个）');

    // WeChat calls onShow when the picker closes: the form, the text and the photo stay.
    await page.run('onShow');
    expect(page.exists('.appeal-form')).toBe(true);
    expect(page.data.appealText).toBe('商品未使用，吊牌完好，附照片');
    expect(page.comp.querySelectorAll('.appeal-photo')).toHaveLength(1);

    await page.tap('.appeal-remove');
    expect(page.comp.querySelectorAll('.appeal-photo')).toHaveLength(0);
    expect(page.text('.appeal-room')).toBe('还可补充 1 张照片');
    env.shim.nextMedia = pickedPhotos(1);
    await page.tap('.appeal-add');
    const picked = page.data.appealEvidence[0].fileID;

    await page.tap('.appeal-submit');
    const appeal = env.shim.calls.find((c) => c.data.action === 'appeal');
    expect(appeal?.data).toMatchObject({ returnId: mugs, description: '商品未使用，吊牌完好，附照片', evidence: [picked] });
    expect(page.text('.status-label')).toBe('主管复核中');
    expect(page.exists('.appeal-form')).toBe(false);
    const stored = (await env.emu.db('returns')).find((r: any) => r._id === mugs);
    expect(stored.evidence.filter((e: any) => e.by.role === 'BUYER')).toHaveLength(9);
  });
});

describe('apply again after a rejection', () => {
  it('the preview says the rejected after-sale will be withdrawn; submitting replaces it', async () => {
    const rejected = await apply(env, 'O1001', 'REFUND_ONLY', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
    await must(env, 'reviewReturn', { action: 'reject', returnId: rejected, reason: '订单已发货，请收货后申请退货' }, DEMO.merchant);
    env.as(DEMO.buyer);
    const order = await env.open('order-detail', { orderId: 'O1001' });
    expect(order.text('.line-L1 .line-entry >>> .line-status-label')).toBe('售后：商家已拒绝');
    expect(order.text('.line-L1 .line-entry >>> .apply-btn')).toBe('重新申请');
    await order.tap('.line-L1 .line-entry >>> .apply-btn');
    expect(env.shim.nav.at(-1)).toEqual({ kind: 'navigateTo', url: '/aftersale/pages/apply/index?orderId=O1001&lineId=L1' });
    const page = await env.open('apply', { orderId: 'O1001', lineId: 'L1' });
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('不想要了')));
    expect(page.text('.preview-ok')).toContain('符合售后条件');
    expect(page.text('.preview-supersedes')).toBe(`提交后，已被拒绝的原申请（${rejected}）将自动撤销`);
    await page.tap('.submit-btn');
    const sent = env.shim.calls.filter((c) => c.data.action === 'apply');
    expect(sent.map((c) => c.error ?? null)).toEqual([null]);
    const stored = await env.emu.db('returns');
    expect(stored.find((r: any) => r._id === rejected).status).toBe('CANCELLED');
    expect(stored.filter((r: any) => r.orderId === 'O1001' && r.status === 'PENDING_REVIEW' && r.lines.some((l: any) => l.lineId === 'L1'))).toHaveLength(1);
  });
});

describe('apply: a preview that could not run', () => {
  it('no answer: a neutral notice with 重试, not 不符合; 重试 runs the preview again', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1003', lineId: 'L2' });
    env.shim.failures = ['before', 'before', 'before'];
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('不想要了')));
    expect(page.exists('.preview-refused')).toBe(false);
    expect(page.text('.preview-error')).toContain('暂时无法检查售后条件');
    expect(page.text('.preview-error-text')).toBe('网络不给力，请检查网络后重试');
    expect(page.text('.preview-error')).not.toContain('不符合');
    expect(page.data.canSubmit).toBe(false);

    await page.tap('.preview-retry');
    expect(page.exists('.preview-error')).toBe(false);
    expect(page.text('.preview-ok')).toContain('符合售后条件');
    expect(page.text('.preview-total')).toBe('¥150.00');
    expect(page.data.canSubmit).toBe(true);
  });
});

describe('我的售后', () => {
  it('a failed load: 重新加载 with the backend reachable shows the list', async () => {
    env.as(DEMO.buyer);
    env.shim.failures = Array(6).fill('before'); // the list and whoami, each with its two retries
    const page = await env.open('my-returns');
    expect(page.text('.state-error .state-title')).toBe('网络不给力，请检查网络后重试');
    await page.tap('.retry-btn');
    expect(page.exists('.state-error')).toBe(false);
    expect(page.comp.querySelectorAll('.return-card').length).toBeGreaterThan(0);
  });

  it('a merchant gets the 售后工作台 entry, which opens the work queue', async () => {
    env.as(DEMO.merchant);
    const page = await env.open('my-returns');
    expect(page.text('.staff-entry')).toContain('售后工作台');
    await page.tap('.staff-entry');
    expect(env.shim.nav.at(-1)).toEqual({ kind: 'navigateTo', url: '../staff-queue/index' });
  });

  it('a buyer never sees it', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('my-returns');
    expect(env.shim.calls.some((c) => c.data.action === 'whoami')).toBe(true);
    expect(page.comp.querySelectorAll('.return-card').length).toBeGreaterThan(0);
    expect(page.exists('.staff-entry')).toBe(false);
  });
});
