/**
 * @jest-environment jsdom
 *
 * Staff pages against the real functions: the work queue (deadline order,
 * overdue / due-today highlights, status filter), reject → the buyer appeals
 * → the arbiter decides for the merchant → the buyer sees what was decided,
 * why, and the advice; a refund failure recorded as an offline refund; a
 * receipt confirmed with a lower amount.
 */
import { usePages, submitWith, DEMO } from './support/pages';
import { apply as applyAs, atTenInShanghai, rid, setDeadline as moveDeadline } from './support/returns';

const env = usePages();

const apply = (orderId: string, type: string, reason: string, lines: { lineId: string; quantity: number }[]) => applyAs(env, orderId, type, reason, lines);
const setDeadline = (returnId: string, deadline: Date) => moveDeadline(env, returnId, deadline);

describe('work queue', () => {
  let overdue = '';
  let today = '';
  let later = '';

  beforeAll(async () => {
    // A fixed shop time of day: the next 10:00 in Shanghai.
    const target = await atTenInShanghai(env);
    overdue = await apply('O1003', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
    today = await apply('O1003', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L2', quantity: 1 }]);
    later = await apply('O1002', 'REFUND_ONLY', 'NOT_RECEIVED', [{ lineId: 'L1', quantity: 1 }]);
    await setDeadline(overdue, new Date(target - 2 * 3_600_000)); // 08:00 today: overdue
    await setDeadline(today, new Date(target + 8 * 3_600_000)); // 18:00 today
  });

  it('soonest deadline first; overdue and due-today highlighted', async () => {
    env.as(DEMO.merchant);
    const page = await env.open('staff-queue');
    expect(page.data.items.map((i: any) => i.returnId)).toEqual([overdue, today, later]);
    expect(page.comp.querySelectorAll('.row-overdue')).toHaveLength(1);
    expect(page.comp.querySelectorAll('.row-today')).toHaveLength(1);
    expect(page.texts('.queue-item')[0]).toContain('已超时');
    expect(page.texts('.queue-item')[1]).toContain('今日到期');
    expect(page.texts('.queue-item')[1]).toMatch(/截止 \d{4}-\d{2}-\d{2} 18:00（剩余 (8 小时 0|7 小时 59) 分）/);
    expect(page.texts('.summary .tag')).toEqual(['已超时 1', '今日到期 1']);
    expect(page.texts('.row-status')).toEqual(['待商家处理', '待商家处理', '待商家处理']);

    await page.tap(
      '.filter',
      page.data.filters.findIndex((f: any) => f.status === 'IN_TRANSIT'),
    );
    expect(env.shim.calls.at(-1)?.data).toMatchObject({ action: 'list', scope: 'merchant', status: 'IN_TRANSIT' });
    expect(page.exists('.state-empty')).toBe(true);
    expect(page.text('.state-empty')).toContain('暂无待处理的售后');

    await page.tap('.filter', 0);
    await page.tap('.queue-item', 1);
    expect(env.shim.nav.at(-1)?.url).toBe(`../staff-review/index?returnId=${today}`);
  });

  it('reject with a reason → the buyer appeals → the arbiter decides for the merchant → the buyer sees the decision, why, and the advice', async () => {
    env.as(DEMO.merchant);
    const review = await env.open('staff-review', { returnId: today });
    await review.tap('.tab-reject');
    await review.tap('.submit-btn');
    expect(review.text('.form-error')).toBe('请填写拒绝原因');
    await review.input('.reject-reason', '商品吊牌已剪，不影响二次销售的条件不满足');
    await review.tap('.submit-btn');
    expect(review.text('.sh-status')).toBe('商家已拒绝');

    env.as(DEMO.buyer);
    const detail = await env.open('return-detail', { returnId: today });
    expect(detail.text('.status-label')).toBe('商家已拒绝');
    expect(detail.text('.reject-reason')).toBe('商品吊牌已剪，不影响二次销售的条件不满足');
    expect(detail.data.view.actions.map((a: any) => a.name)).toEqual(['cancel', 'appeal', 'modify']);
    await detail.tap('.action-appeal');
    expect(detail.exists('.appeal-form')).toBe(true);
    await detail.input('.appeal-input', '吊牌是商家发货时就没有的，有开箱视频');
    await detail.tap('.appeal-submit');
    expect(detail.text('.status-label')).toBe('主管复核中');
    expect(detail.text('.status-next')).toBe('等待店铺主管复核');

    env.as(DEMO.merchant);
    const asMerchant = await env.open('staff-review', { returnId: today });
    expect(asMerchant.exists('.no-actions')).toBe(true); // merchants do not decide disputes

    env.as(DEMO.arbiter);
    const arb = await env.open('staff-review', { returnId: today });
    expect(arb.data.actions.map((a: any) => a.name)).toEqual(['decide']);
    await arb.tap('.decide-merchant');
    await arb.input('.decide-reason', '开箱视频显示吊牌完好，签收后被剪，不符合无理由退货条件');
    await arb.tap('.submit-btn');
    expect(arb.text('.sh-status')).toBe('已关闭');

    env.as(DEMO.buyer);
    const lost = await env.open('return-detail', { returnId: today });
    expect(lost.text('.status-label')).toBe('已关闭');
    expect(lost.text('.decision-title')).toBe('店铺主管复核：支持商家，本次售后不予退款');
    expect(lost.text('.decision-why')).toBe('复核理由：开箱视频显示吊牌完好，签收后被剪，不符合无理由退货条件');
    expect(lost.text('.advice-text')).toContain('小程序交易投诉');
    expect(lost.text('.advice-text')).toContain('12315');
    expect(lost.exists('.action-btn')).toBe(false);
  });
});

describe('refund failures and receipts', () => {
  it('approve a refund-only → the platform refuses (NOTENOUGH) → 退款异常 → record an offline refund → 退款成功', async () => {
    await env.emu.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    const id = (await env.emu.db('returns')).find((r: any) => r.orderId === 'O1002')._id;
    env.as(DEMO.merchant);
    const page = await env.open('staff-review', { returnId: id });
    expect(page.text('.form-hint')).toContain('仅退款');
    await page.tap('.submit-btn');
    expect(page.text('.sh-status')).toBe('退款异常');
    expect(page.data.actions.map((a: any) => a.name)).toEqual(['retryRefund', 'markOffline']);
    expect(page.exists('.refunds-box')).toBe(true);
    await page.tap('.tab-markOffline');
    await page.tap('.submit-btn');
    expect(page.text('.form-error')).toContain('线下退款说明');
    await page.input('.offline-note', '已通过银行转账退回 ¥299.00，流水号 20260101-8899');
    await page.tap('.submit-btn');
    expect(env.shim.calls.at(-2)).toMatchObject({ name: 'executeRefund', data: { action: 'markOffline', returnId: id } });
    expect(page.text('.sh-status')).toBe('退款成功');

    env.as(DEMO.buyer);
    const detail = await env.open('return-detail', { returnId: id });
    expect(detail.text('.status-label')).toBe('退款成功');
  });

  it('confirm receipt with a lower amount: over the maximum and without a reason are refused on the page', async () => {
    env.as(DEMO.buyer);
    const id = await apply('O1005', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
    env.as(DEMO.merchant);
    const page = await env.open('staff-review', { returnId: id });
    await page.tap('.submit-btn'); // approve: empty address → the shop's default
    expect(env.shim.calls.find((c) => c.name === 'reviewReturn')?.data.returnAddress).toBeUndefined();
    expect(page.text('.sh-status')).toBe('待买家寄回');
    const shipped = await env.emu.call(
      'submitLogistics',
      { requestId: rid(), returnId: id, mode: 'SELF_SHIP', carrier: 'ZTO', trackingNo: '731234567890123' },
      { openid: DEMO.buyer },
    );
    expect(shipped.ok).toBe(true);

    await page.run('reload');
    expect(page.text('.sh-status')).toBe('待商家收货');
    expect(page.data.actions.map((a: any) => a.name)).toEqual(['confirmReceipt', 'refuseReceipt', 'propose']);
    expect(await submitWith(page, '.amount-input', '99999')).toBe('退款金额不能超过 ¥999.00');
    expect(await submitWith(page, '.amount-input', '899')).toBe('调整退款金额时请填写原因');
    await page.input('.adjust-reason', '外包装破损，扣除 100 元');
    await page.tap('.submit-btn');
    expect(env.shim.calls.find((c) => c.data.action === 'confirmReceipt')?.data).toMatchObject({ refundAmount: 89900, reason: '外包装破损，扣除 100 元' });
    expect(page.text('.sh-status')).toBe('退款中');
    expect(page.text('.refund-amount')).toBe('¥899.00');
    expect(page.text('.amounts-note')).toBe('退款金额已按订单实际退款情况核定');
  });
});

describe('what needs attention', () => {
  it('a postage claim the refund could not carry: staff are told to pay it offline, the buyer that it will be paid offline', async () => {
    const returnId = await apply('O1001', 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L2', quantity: 1 }]);
    env.as(DEMO.merchant);
    const before = await env.open('staff-review', { returnId });
    expect(before.comp.querySelectorAll('.attention-box')).toHaveLength(0);

    const doc = (await env.emu.db('returns')).find((r: any) => r._id === returnId);
    await env.emu.seed({ returns: [{ ...doc, postageOffline: 700 }] });
    const staff = await env.open('staff-review', { returnId });
    expect(staff.texts('.attention-item')).toEqual(['退货运费中 7.00 元超出可原路退回的余额，请线下补偿买家']);

    env.as(DEMO.buyer);
    const buyer = await env.open('return-detail', { returnId });
    expect(buyer.texts('.attention-item')).toEqual(['退货运费中 7.00 元超出可原路退回的金额，将由商家线下补偿']);
  });
});
