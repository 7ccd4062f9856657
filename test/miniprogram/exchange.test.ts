/**
 * @jest-environment jsdom
 *
 * 换货 on the real pages against the real functions: the apply page's size /
 * colour picker (only same-product, same-price, in-stock SKUs; sold-out and
 * other-price SKUs never offered; the choice sent with apply), the exchange
 * preview (replacement, postage each way, both deadlines), the buyer's detail
 * (replacement, both waybills, 确认收到换货), the staff page's 发出换货
 * (carrier and waybill errors per field, the out-of-stock refusal) and
 * 转为退款 (reason required, the buyer reads it), and the lists' labels.
 */
import path from 'node:path';
import { usePages, submitWith, DEMO, MP_ROOT, type Page } from './support/pages';
import { exchangeUntil, must, pickedPhotos, seedClothingOrder } from './support/returns';
import { CARRIERS } from '../../miniprogram/aftersale/shared/contract';

const env = usePages({
  afterEachTest: () => {
    require(path.join(MP_ROOT, 'utils', 'api')).resetApiState();
  },
});

const calls = (name: string, action: string) => env.shim.calls.filter((c) => c.name === name && c.data.action === action);
const stored = async (id: string) => (await env.emu.db('returns')).find((r: any) => r._id === id);

/** The SKU chips offered for the line at `row` (its exchange block is the row's). */
const offered = (page: Page, row: number): string[] => page.data.lines[row].skuOptions.map((o: any) => o.label);

async function chooseExchange(page: Page): Promise<void> {
  await page.tap(
    '.type-choice',
    page.data.typeOptions.findIndex((t: any) => t.value === 'EXCHANGE'),
  );
}

describe('apply: 换货 as a third type with a size / colour picker', () => {
  it('offers only in-stock SKUs of the same product at the same price, per selected line; sold-out and other-price SKUs never', async () => {
    const orderId = await seedClothingOrder(env);
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId, lineId: 'L1' });
    expect(page.data.typeOptions.map((t: any) => t.label)).toEqual(['仅退款', '退货退款', '换货']);
    // nothing asked before 换货 is chosen
    expect(calls('queryReturns', 'exchangeOptions')).toEqual([]);
    expect(page.exists('.sku-option')).toBe(false);

    await chooseExchange(page);
    expect(calls('queryReturns', 'exchangeOptions').map((c) => c.data.orderId)).toEqual([orderId]);
    expect(page.texts('.sku-option')).toEqual(['白色 / L', '白色 / M（当前）', '白色 / S', '白色 / XL', '黑色 / L', '黑色 / M', '黑色 / S']);
    expect(page.texts('.sku-option').join()).not.toContain('2XL'); // another price
    expect(page.texts('.sku-option')).not.toContain('黑色 / XL'); // sold out
    expect(page.text('.sku-other-prices')).toBe('另有 1 个规格价格不同，不能直接换；如需要，请申请退货退款后重新下单');
    // 未收到货 cannot be exchanged: not offered for this type
    expect(page.data.reasonLabels).not.toContain('未收到货');
    expect(page.data.reasonLabels).toContain('尺码/颜色不合适');

    // the shoes too: 40–43 (44 sold out); only the selected lines have a picker
    await page.tap('.line-check', 1);
    expect(offered(page, 1)).toEqual(['40', '41', '42（当前）', '43']);
    expect(page.comp.querySelectorAll('.sku-options')).toHaveLength(2);
    await page.tap('.line-check', 1);
    expect(page.comp.querySelectorAll('.sku-options')).toHaveLength(1);

    // no preview until the line has its replacement: the page says what is missing
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('尺码/颜色不合适')));
    expect(calls('applyReturn', 'preview')).toEqual([]);
    expect(page.text('.preview-hint')).toBe('请为「纯棉圆领T恤 白色 M」选择要换的尺码/颜色');
    await page.tap('.submit-btn');
    expect(calls('applyReturn', 'apply')).toEqual([]);
    expect(env.shim.toasts.at(-1)).toBe('请为「纯棉圆领T恤 白色 M」选择要换的尺码/颜色');

    // back to 退货退款: the page works as before (no picker, no replacements sent)
    await page.tap('.type-choice', 1);
    expect(page.exists('.sku-option')).toBe(false);
    const preview = calls('applyReturn', 'preview').at(-1);
    expect(preview?.data).toMatchObject({ type: 'RETURN_REFUND', reason: 'SIZE_COLOR' });
    expect(preview?.data.replacements).toBeUndefined();
    expect(page.text('.preview-total')).toBe('¥59.00');
  });

  it('a line with nothing to offer says why (no picker); a failed read of the options is not "nothing to offer": 重试', async () => {
    const orderId = await seedClothingOrder(env);
    // a product the catalogue does not know: not exchangeable
    const order = (await env.emu.db('orders')).find((o: any) => o._id === orderId);
    await env.emu.seed({ orders: [{ ...order, lines: [{ ...order.lines[0], productId: 'P-GONE', skuId: 'SKU-GONE' }, order.lines[1]] }] });
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId, lineId: 'L1' });
    env.shim.failures = ['before', 'before', 'before'];
    await chooseExchange(page);
    expect(page.text('.exchange-error-text')).toBe('网络不给力，请检查网络后重试');
    expect(page.exists('.sku-option')).toBe(false);
    await page.tap('.exchange-retry');
    expect(page.exists('.exchange-error')).toBe(false);
    expect(page.exists('.sku-option')).toBe(false);
    expect(page.text('.sku-unavailable')).toBe('暂无同价且有货的规格可换，可申请退货退款');
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('尺码/颜色不合适')));
    expect(page.text('.preview-hint')).toBe('「纯棉圆领T恤 白色 M」暂无同价且有货的规格可换，可申请退货退款');
    expect(calls('applyReturn', 'preview')).toEqual([]);
  });

  it('the preview shows the replacement, who pays postage each way and both deadlines; apply sends the choice', async () => {
    const orderId = await seedClothingOrder(env);
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId, lineId: 'L1' });
    await chooseExchange(page);
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('尺码/颜色不合适')));
    await page.tap('.sku-option', page.texts('.sku-option').indexOf('白色 / L'));
    expect(page.texts('.sku-option.choice-on')).toEqual(['白色 / L']);

    const preview = calls('applyReturn', 'preview').at(-1);
    expect(preview?.data).toMatchObject({ type: 'EXCHANGE', reason: 'SIZE_COLOR', lines: [{ lineId: 'L1', quantity: 1 }], replacements: [{ lineId: 'L1', skuId: 'SKU-TEE-W-L' }] });
    expect(page.text('.preview-ok .notice-title')).toBe('✓ 符合换货条件');
    expect(page.texts('.preview-replacement .replacement-title')).toEqual(['纯棉圆领T恤 白色 L']);
    expect(page.text('.preview-replacement')).toContain('纯棉圆领T恤 白色 M × 1');
    expect(page.text('.exchange-freight')).toBe('寄回运费由您承担；换货商品由商家包邮寄出');
    expect(page.text('.exchange-reship-deadline')).toBe('商家收到退回的商品后 48 小时内发出换货，逾期未发出将自动转为退款（原路退回）');
    expect(page.text('.exchange-confirm-deadline')).toBe('换货发出后请在 10 天内确认收货，逾期将自动确认');
    expect(page.text('.preview-deadline')).toMatch(/商家需在 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前处理/);
    expect(page.exists('.preview-total')).toBe(false); // no money moves

    await page.tap('.submit-btn');
    const applied = calls('applyReturn', 'apply');
    expect(applied).toHaveLength(1);
    expect(applied[0].data).toMatchObject({ type: 'EXCHANGE', reason: 'SIZE_COLOR', replacements: [{ lineId: 'L1', skuId: 'SKU-TEE-W-L' }] });
    const url = env.shim.nav.at(-1)?.url ?? '';
    const id = /returnId=(\w+)/.exec(url)?.[1] ?? '';
    expect((await stored(id))?.exchange.replacements).toEqual([expect.objectContaining({ lineId: 'L1', skuId: 'SKU-TEE-W-L', title: '纯棉圆领T恤 白色 L' })]);
  });

  it('modify: the replacement asked for is preselected; another choice is sent as replacements', async () => {
    const id = await exchangeUntil(env, await seedClothingOrder(env), 'SKU-TEE-W-L', 'PENDING_REVIEW');
    env.as(DEMO.buyer);
    const page = await env.open('apply', { returnId: id });
    expect(page.data.typeOptions.map((t: any) => t.label)).toEqual(['换货']);
    expect(page.texts('.sku-option.choice-on')).toEqual(['白色 / L']);
    await page.tap('.sku-option', page.texts('.sku-option').indexOf('黑色 / M'));
    await page.tap('.submit-btn');
    const sent = calls('applyReturn', 'modify');
    expect(sent).toHaveLength(1);
    expect(sent[0].data).toMatchObject({ returnId: id, replacements: [{ lineId: 'L1', skuId: 'SKU-TEE-B-M' }] });
    expect((await stored(id))?.exchange.replacements).toEqual([expect.objectContaining({ skuId: 'SKU-TEE-B-M', title: '纯棉圆领T恤 黑色 M' })]);
  });

  it('a seller-side reason: the shop pays the way back (pickup or 到付), said in the preview', async () => {
    const orderId = await seedClothingOrder(env);
    env.as(DEMO.buyer);
    const page = await env.open('apply', { orderId, lineId: 'L2' });
    await chooseExchange(page);
    await page.tap('.sku-option', page.texts('.sku-option').indexOf('43'));
    await page.change('.reason-picker', String(page.data.reasonLabels.indexOf('质量问题')));
    expect(page.texts('.refusal')).toEqual(['· 售后原因为“质量问题”时，请至少上传1张照片作为凭证']);
    env.shim.nextMedia = pickedPhotos(1);
    await page.tap('.add-evidence');
    expect(page.text('.exchange-freight')).toBe('寄回运费由商家承担：请预约上门取件（商家付费），或自行寄回时选择到付；换货商品由商家包邮寄出');
    expect(page.texts('.preview-replacement .replacement-title')).toEqual(['轻跑运动鞋 43码']);
  });
});

describe('return-detail: the exchange as the buyer follows it', () => {
  it('AWAITING_RESHIP: the replacement, the buyer’s waybill back; no refund block, no action', async () => {
    const id = await exchangeUntil(env, await seedClothingOrder(env), 'SKU-TEE-B-M', 'AWAITING_RESHIP');
    env.as(DEMO.buyer);
    const page = await env.open('return-detail', { returnId: id });
    expect(page.text('.status-label')).toBe('待商家换货');
    expect(page.text('.status-next')).toBe('等待商家换货商品');
    expect(page.text('.deadline-text')).toMatch(/^截止 /);
    expect(page.texts('.exchange-replacement .replacement-title')).toEqual(['纯棉圆领T恤 黑色 M']);
    expect(page.text('.exchange-replacement')).toContain('（黑色 / M）');
    expect(page.text('.logistics-box')).toContain('寄回物流');
    expect(page.text('.tracking-no')).toBe('SF1234567890123');
    expect(page.exists('.reship-box')).toBe(false);
    expect(page.exists('.amounts')).toBe(false);
    expect(page.text('.exchange-box .amounts-note')).toBe('换货不涉及退款；如转为退款，金额在退款时按订单实际情况核定');
    expect(page.exists('.action-btn')).toBe(false);
  });

  it('RESHIPPED: both waybills; 确认收到换货 asks, then calls applyReturn confirmExchange with a fresh requestId → 换货完成', async () => {
    const id = await exchangeUntil(env, await seedClothingOrder(env), 'SKU-TEE-W-L', 'RESHIPPED');
    env.as(DEMO.buyer);
    const page = await env.open('return-detail', { returnId: id });
    expect(page.text('.status-label')).toBe('换货已发出');
    expect(page.text('.tracking-no')).toBe('SF1234567890123');
    expect(page.text('.reship-carrier')).toBe('商家发出 · 顺丰速运');
    expect(page.text('.reship-tracking-no')).toBe('SF9876543210987');
    expect(page.text('.reship-at')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(page.texts('.action-btn')).toEqual(['确认收到换货']);

    env.shim.modalConfirm = false;
    await page.tap('.action-confirmExchange');
    expect(env.shim.modals.at(-1)?.title).toBe('确认收到换货');
    expect(calls('applyReturn', 'confirmExchange')).toEqual([]);
    env.shim.modalConfirm = true;

    await page.tap('.action-confirmExchange');
    const sent = calls('applyReturn', 'confirmExchange');
    expect(sent).toHaveLength(1);
    expect(sent[0].data).toMatchObject({ action: 'confirmExchange', returnId: id, requestId: expect.stringMatching(/^mp-/) });
    expect(env.shim.toasts).toContain('换货已完成');
    expect(page.text('.status-label')).toBe('换货完成');
    expect(page.exists('.action-btn')).toBe(false);
    expect(page.exists('.updates-entry')).toBe(false);
    expect((await stored(id))?.status).toBe('EXCHANGED');
  });

  it('confirmed meanwhile (another device): the server’s reason is shown and the page shows what it is now', async () => {
    const id = await exchangeUntil(env, await seedClothingOrder(env), 'SKU-TEE-W-S', 'RESHIPPED');
    env.as(DEMO.buyer);
    const page = await env.open('return-detail', { returnId: id });
    await must(env, 'applyReturn', { action: 'confirmExchange', returnId: id }, DEMO.buyer);
    await page.tap('.action-confirmExchange');
    expect(calls('applyReturn', 'confirmExchange')).toHaveLength(1);
    expect(env.shim.toasts.at(-1)).toBe('当前状态（换货完成）不能执行此操作');
    expect(env.shim.toasts).not.toContain('换货已完成');
    expect(page.text('.status-label')).toBe('换货完成');
    expect(page.exists('.action-btn')).toBe(false);
  });
});

describe('staff-review: 发出换货 and 转为退款', () => {
  it('shows what the buyer asked for; 发出换货 checks carrier and waybill per field before sending, then sends them', async () => {
    const id = await exchangeUntil(env, await seedClothingOrder(env), 'SKU-TEE-B-L', 'AWAITING_RESHIP');
    env.as(DEMO.merchant);
    const page = await env.open('staff-review', { returnId: id });
    expect(page.text('.sh-status')).toBe('待商家换货');
    expect(page.data.actions.map((a: any) => [a.name, a.label])).toEqual([
      ['reship', '发出换货'],
      ['convertToRefund', '转为退款'],
    ]);
    expect(page.texts('.exchange-replacement .replacement-title')).toEqual(['纯棉圆领T恤 黑色 L']);
    expect(page.text('.exchange-no-money')).toBe('换货 · 不涉及退款');
    expect(page.text('.submit-btn')).toBe('确认发出换货');

    await page.tap('.submit-btn');
    expect(page.text('.carrier-error')).toBe('请选择快递公司');
    await page.change('.carrier-picker', String(CARRIERS.indexOf('SF')));
    expect(page.exists('.carrier-error')).toBe(false);
    expect(page.text('.carrier-value')).toBe('顺丰速运');
    await page.tap('.submit-btn');
    expect(page.text('.tracking-error')).toBe('请填写运单号');
    await page.input('.tracking-input', 'SF12');
    await page.tap('.submit-btn');
    expect(page.text('.tracking-error')).toBe('顺丰速运的快递单号格式不正确（示例：SF1234567890123）');
    expect(page.data.trackingNo).toBe('SF12'); // what was typed stays
    expect(calls('reviewReturn', 'reship')).toEqual([]);

    await page.input('.tracking-input', 'sf 9876 5432 10987');
    expect(page.exists('.tracking-error')).toBe(false);
    await page.tap('.submit-btn');
    expect(calls('reviewReturn', 'reship').map((c) => c.data)).toEqual([expect.objectContaining({ action: 'reship', returnId: id, carrier: 'SF', trackingNo: 'SF9876543210987' })]);
    expect(env.shim.toasts).toContain('换货已发出');
    expect(page.text('.sh-status')).toBe('换货已发出');
    expect(page.text('.reship-tracking-no')).toBe('SF9876543210987');
    expect(page.exists('.no-actions')).toBe(true);
  });

  it('out of stock: 发出换货 is refused with the server’s reason (可转为退款); 转为退款 needs a reason, the buyer reads it', async () => {
    const id = await exchangeUntil(env, await seedClothingOrder(env), 'SKU-TEE-W-XL', 'AWAITING_RESHIP');
    const sku = (await env.emu.db('skus')).find((s: any) => s._id === 'SKU-TEE-W-XL');
    await env.emu.seed({ skus: [{ ...sku, stock: 0 }] });
    try {
      env.as(DEMO.merchant);
      const page = await env.open('staff-review', { returnId: id });
      await page.change('.carrier-picker', String(CARRIERS.indexOf('SF')));
      await page.input('.tracking-input', 'SF9876543210987');
      await page.tap('.submit-btn');
      expect(calls('reviewReturn', 'reship')).toHaveLength(1);
      expect(page.text('.form-error')).toBe('「纯棉圆领T恤 白色 XL」库存不足，暂时无法换货，不能发出换货；可转为退款');
      expect(page.text('.sh-status')).toBe('待商家换货');
      expect((await stored(id))?.status).toBe('AWAITING_RESHIP');

      await page.tap('.tab-convertToRefund');
      expect(page.text('.submit-btn')).toBe('确认转为退款');
      await page.tap('.submit-btn');
      expect(page.text('.form-error')).toBe('请填写转为退款的原因，买家将看到');
      expect(calls('reviewReturn', 'convertToRefund')).toEqual([]);
      await page.input('.convert-reason', '白色 XL 已售罄，为您原路退款');
      await page.tap('.submit-btn');
      expect(calls('reviewReturn', 'convertToRefund').map((c) => c.data)).toEqual([
        expect.objectContaining({ action: 'convertToRefund', returnId: id, reason: '白色 XL 已售罄，为您原路退款' }),
      ]);
      expect(['退款中', '退款成功']).toContain(page.text('.sh-status'));
      expect(page.text('.converted-note')).toContain('白色 XL 已售罄，为您原路退款');

      env.as(DEMO.buyer);
      const buyer = await env.open('return-detail', { returnId: id });
      expect(buyer.text('.converted-box .notice-title')).toBe('换货已转为退款');
      expect(buyer.text('.converted-note')).toContain('白色 XL 已售罄，为您原路退款');
      expect(buyer.text('.refund-amount')).toBe('¥59.00');
    } finally {
      await env.emu.seed({ skus: [sku] });
    }
  });
});

describe('staff-review: an exchange in review', () => {
  it('approve asks for the return address; a proposal is bounded by what the units were bought for, not by the ¥0 of an exchange', async () => {
    const id = await exchangeUntil(env, await seedClothingOrder(env), 'SKU-TEE-W-S', 'PENDING_REVIEW');
    env.as(DEMO.merchant);
    const page = await env.open('staff-review', { returnId: id });
    expect(page.data.actions.map((a: any) => a.name)).toEqual(['approve', 'reject', 'propose']);
    expect(page.exists('.addr-name')).toBe(true);
    await page.tap('.tab-propose');
    expect(page.texts('.propose-kind')).toEqual(['部分退款，商品无需退回', '全额退款，商品无需退回']);
    await page.input('.propose-reason', '该尺码暂时缺货，您可保留商品，退您 20 元');
    expect(await submitWith(page, '.propose-amount', '59.01')).toBe('退款金额不能超过 ¥59.00');
    expect(await submitWith(page, '.propose-amount', '20')).toBe('');
    expect(calls('reviewReturn', 'propose')[0].data).toMatchObject({ kind: 'PARTIAL_REFUND', refundAmount: 2000 });
    expect(page.text('.sh-status')).toBe('协商待确认');
  });
});

describe('the lists', () => {
  it('我的售后 and the work queue show the exchange statuses with their labels, and no ¥0.00 refund', async () => {
    const orderId = await seedClothingOrder(env);
    const id = await exchangeUntil(env, orderId, 'SKU-TEE-B-S', 'AWAITING_RESHIP');
    env.as(DEMO.buyer);
    const mine = await env.open('my-returns');
    const row = mine.data.items.findIndex((i: any) => i.returnId === id);
    expect(mine.texts('.return-card .card-status')[row]).toBe('待商家换货');
    expect(mine.texts('.return-card .card-meta')[row]).toBe('共 1 件 · 换同款其他规格，不涉及退款');

    env.as(DEMO.merchant);
    const queue = await env.open('staff-queue');
    expect(queue.data.filters.map((f: any) => f.label)).toEqual(expect.arrayContaining(['待商家换货', '换货已发出', '换货完成']));
    const filtered = await env.open('staff-queue', { status: 'AWAITING_RESHIP' });
    const q = filtered.data.items.findIndex((i: any) => i.returnId === id);
    expect(filtered.texts('.queue-item .row-status')[q]).toBe('待商家换货');
    expect(filtered.texts('.queue-item .row-title')[q]).toBe('换货 · 尺码/颜色不合适');
    expect(filtered.texts('.queue-item .row-amount')[q]).toBe('换货');
  });
});
