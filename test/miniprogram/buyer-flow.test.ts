/**
 * @jest-environment jsdom
 *
 * The buyer's pages against the REAL functions (the local emulator):
 * apply with the live preview → detail 待商家处理 with its deadline → a staff
 * approve on the staff page → the buyer's detail 待买家寄回 with the logistics
 * action → logistics submit → 待商家收货.
 */
import { usePages, DEMO } from './support/pages';

const env = usePages();

const returnIdFromNav = () => {
  const nav = env.shim.nav.find((n) => n.kind === 'redirectTo' && n.url?.startsWith('../return-detail/index'));
  const m = /returnId=(R\d+)/.exec(nav?.url ?? '');
  if (!m) throw new Error(`no redirect to the detail: ${JSON.stringify(env.shim.nav)}`);
  return m[1];
};

describe('return & refund, buyer and staff pages end to end', () => {
  let returnId = '';

  it('apply: the live preview shows eligibility, the refund amount, who pays return shipping and the deadline', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId: 'O1003', lineId: 'L2' });
    expect(page.text('.order-head')).toContain('O1003');
    expect(page.data.type).toBe('RETURN_REFUND');
    expect(page.text('.preview-hint')).toContain('请选择售后原因');
    // reason: 不想要了 (NO_LONGER_WANTED is index 0 of the reasons table)
    expect(page.data.reasonLabels).toContain('不想要了');
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('不想要了')));
    expect(page.text('.reason-value')).toBe('不想要了');
    expect(page.exists('.preview-ok')).toBe(true);
    expect(page.text('.preview-ok')).toContain('符合售后条件');
    expect(page.text('.preview-total')).toBe('¥150.00');
    expect(page.text('.preview-freight')).toContain('买家承担');
    expect(page.text('.preview-deadline')).toMatch(/商家需在 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前处理/);
    const previews = env.shim.calls.filter((c) => c.name === 'applyReturn');
    expect(previews.every((c) => c.data.action === 'preview' && !c.data.requestId)).toBe(true);

    await page.input('.description-input', '尺寸不合适');
    await page.tap('.submit-btn');
    const applies = env.shim.calls.filter((c) => c.data.action === 'apply');
    expect(applies.map((c) => c.error ?? null)).toEqual([null]);
    expect(applies).toHaveLength(1);
    expect(applies[0].data).toMatchObject({
      orderId: 'O1003',
      type: 'RETURN_REFUND',
      reason: 'NO_LONGER_WANTED',
      lines: [{ lineId: 'L2', quantity: 1 }],
      description: '尺寸不合适',
    });
    expect(applies[0].data.requestId).toMatch(/^[0-9A-Za-z_-]{8,64}$/);
    // consent to the subscribe messages was asked at apply
    expect(env.shim.subscribes).toEqual([['TPL_AFTERSALE_STATUS', 'TPL_AFTERSALE_REMINDER']]);
    returnId = returnIdFromNav();
  });

  it('detail: 待商家处理, who acts next, the countdown and deadline, the timeline, only the allowed buyer actions', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('return-detail', { returnId });
    expect(page.text('.status-label')).toBe('待商家处理');
    expect(page.text('.status-next')).toBe('等待商家处理');
    expect(page.text('.countdown-text')).toMatch(/^剩余 (1 天 2[0-3] 小时|2 天 0 小时)$/);
    expect(page.text('.deadline-text')).toMatch(/^截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(page.text('.refund-amount')).toBe('¥150.00');
    expect(page.text('.amounts-note')).toBe('预估金额：运费与寄回运费补偿在退款时按订单实际情况核定');
    expect(page.texts('.tl-title')[0]).toContain('申请售后');
    expect(page.texts('.goods-title')).toEqual(['帆布托特包']);
    expect(page.texts('.action-btn').sort()).toEqual(['修改申请', '撤销申请'].sort());
    expect(page.exists('.action-submitLogistics')).toBe(false);
  });

  it('staff review: approve with a return address (subscribe consent asked at approve)', async () => {
    env.as(DEMO.merchant);
    const page = await env.open('staff-review', { returnId });
    expect(page.text('.sh-status')).toBe('待商家处理');
    expect(page.data.actions.map((a: any) => a.name)).toEqual(['approve', 'reject', 'propose']);
    await page.input('.addr-name', '售后仓 王师傅');
    await page.input('.addr-phone', '13900000000');
    await page.input('.addr-address', '杭州市余杭区仓前街道 1 号 售后仓');
    await page.tap('.submit-btn');
    const review = env.shim.calls.find((c) => c.name === 'reviewReturn');
    expect(review?.data).toMatchObject({ action: 'approve', returnId, returnAddress: { name: '售后仓 王师傅', phone: '13900000000' } });
    expect(env.shim.subscribes).toHaveLength(1);
    expect(page.text('.sh-status')).toBe('待买家寄回');
  });

  it('detail after approval: 待买家寄回, the return address and the logistics action', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('return-detail', { returnId });
    expect(page.text('.status-label')).toBe('待买家寄回');
    expect(page.text('.status-next')).toBe('等待买家寄回商品');
    expect(page.text('.return-address')).toContain('杭州市余杭区仓前街道 1 号 售后仓');
    expect(page.exists('.action-submitLogistics')).toBe(true);
    expect(page.text('.action-submitLogistics')).toBe('填写退货物流');
    await page.tap('.action-submitLogistics');
    expect(env.shim.nav.at(-1)).toEqual({ kind: 'navigateTo', url: `../logistics/index?returnId=${returnId}` });
  });

  it('logistics: a wrong tracking number is refused on the page; a right one → 待商家收货', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('logistics', { returnId });
    expect(page.text('.return-address')).toContain('售后仓 王师傅');
    await page.change('.carrier-picker', '0'); // 顺丰速运
    expect(page.text('.carrier-value')).toBe('顺丰速运');
    await page.input('.tracking-input', '12345');
    await page.tap('.submit-btn');
    expect(page.text('.tracking-error')).toContain('顺丰速运的快递单号格式不正确');
    expect(env.shim.calls.filter((c) => c.name === 'submitLogistics')).toHaveLength(0);

    await page.input('.tracking-input', 'SF1234567890123');
    await page.tap('.submit-btn');
    const sent = env.shim.calls.filter((c) => c.name === 'submitLogistics');
    expect(sent).toHaveLength(1);
    expect(sent[0].data).toMatchObject({ mode: 'SELF_SHIP', returnId, carrier: 'SF', trackingNo: 'SF1234567890123' });

    const detail = await env.open('return-detail', { returnId });
    expect(detail.text('.status-label')).toBe('待商家收货');
    expect(detail.text('.tracking-no')).toBe('SF1234567890123');
    expect(detail.texts('.tl-title')).toEqual(['填写退货物流待买家寄回 → 待商家收货', '同意售后待商家处理 → 待买家寄回', '申请售后待商家处理']);
  });

  it('logistics: a pickup slot already over is refused on the page, before anything is sent', async () => {
    env.as(DEMO.buyer);
    const path = require('node:path');
    const { clock } = require(path.join(__dirname, '../../miniprogram/aftersale/utils/format'));
    // The page's clock at 18:30 Shanghai today (10:30 UTC).
    const today = new Date();
    clock.offsetMs = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 10, 30) - Date.now();
    try {
      const page = await env.open('logistics', { returnId });
      await page.tap('.mode-pickup');
      await page.input('.pickup-name', '王小明');
      await page.input('.pickup-phone', '13800138000');
      await page.input('.pickup-address', '北京市朝阳区示例街道 100 号 5 单元 501');
      await page.change('.day-picker', '0'); // today
      await page.change('.slot-picker', '4'); // 17:00-19:00: less than an hour left
      await page.tap('.submit-btn');
      expect(page.text('.field-error')).toBe('所选取件时间段已过或即将结束，请选择稍后的时间段');
      await page.change('.slot-picker', '0'); // 09:00-11:00: over
      expect(page.exists('.field-error')).toBe(false);
      await page.tap('.submit-btn');
      expect(page.text('.field-error')).toBe('所选取件时间段已过或即将结束，请选择稍后的时间段');
      expect(env.shim.calls.filter((c) => c.name === 'submitLogistics')).toHaveLength(0);
    } finally {
      await env.syncClock();
    }
  });

  it('my after-sales lists it with its Chinese status', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('my-returns');
    expect(page.texts('.card-status')).toContain('待商家收货');
    expect(page.text('.return-card')).toContain('O1003');
  });

  it('order detail: per-line after-sale status from the functions, and the 申请售后 entry for the other line', async () => {
    env.as(DEMO.buyer);
    const page = await env.open('order-detail', { orderId: 'O1003' });
    expect(page.texts('.goods-title')).toEqual(['陶瓷马克杯（三只装，满减后）', '帆布托特包']);
    expect(page.text('.line-L2 .line-entry >>> .line-status-label')).toBe('售后：待商家收货');
    expect(page.exists('.line-L2 .line-entry >>> .apply-btn')).toBe(false);
    expect(page.exists('.line-L1 .line-entry >>> .apply-btn')).toBe(true);
    await page.tap('.line-L1 .line-entry >>> .apply-btn');
    expect(env.shim.nav.at(-1)?.url).toBe('/aftersale/pages/apply/index?orderId=O1003&lineId=L1');
  });
});
