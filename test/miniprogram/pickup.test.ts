/**
 * @jest-environment jsdom
 *
 * The logistics page's courier pickup against the REAL functions: the address
 * is structured (所在地区 picker: 省 / 市 / 区 + 详细地址) as logistics.addOrder
 * needs it; a shop whose carrier account is not bound is refused in Chinese,
 * with 自行寄回 offered, and nothing is booked.
 */
import { usePages, DEMO } from './support/pages';
import { apply, must } from './support/returns';
import { httpJson } from '../../scripts/miniprogram/wx-shim';

const env = usePages();

async function bookings(): Promise<any[]> {
  return ((await httpJson(env.emu.url, 'GET', '/_local/outbox')).body.data as any[]).filter((m) => m.api === 'logistics.addOrder');
}

async function fillPickup(page: any) {
  await page.tap('.mode-pickup');
  await page.input('.pickup-name', '王小明');
  await page.input('.pickup-phone', '13800138000');
  await page.change('.region-picker', ['北京市', '北京市', '朝阳区']);
  await page.input('.pickup-address', '示例街道 100 号 5 单元 501');
  await page.change('.day-picker', '1'); // tomorrow
  await page.change('.slot-picker', '1'); // 11:00-13:00
}

describe('pickup on the logistics page', () => {
  let returnId = '';

  beforeAll(async () => {
    await env.syncClock();
    returnId = await apply(env, 'O1003', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
    await must(env, 'reviewReturn', { action: 'approve', returnId }, DEMO.merchant);
  });

  it('without a bound carrier account: refused in Chinese, 自行寄回 offered, nothing booked', async () => {
    expect((await httpJson(env.emu.url, 'POST', '/_local/logistics/accounts', { accounts: [] })).status).toBe(200);
    env.as(DEMO.buyer);
    const page = await env.open('logistics', { returnId });
    await fillPickup(page);
    expect(page.text('.region-value')).toBe('北京市 北京市 朝阳区');
    env.shim.modalConfirm = true;
    await page.tap('.submit-btn');
    const sent = env.shim.calls.filter((c) => c.name === 'submitLogistics');
    expect(sent).toHaveLength(1);
    expect(sent[0].data.pickup).toMatchObject({ province: '北京市', city: '北京市', area: '朝阳区', address: '示例街道 100 号 5 单元 501' });
    expect(env.shim.modals.at(-1)).toEqual({
      title: '暂不能上门取件',
      content: '本店的快递账号尚未绑定或正在审核，暂不能预约上门取件，请选择「自行寄回」并填写快递单号。您可以自行寄回：选择快递公司并填写快递单号。',
    });
    expect(await bookings()).toEqual([]);
    // 改为自行寄回
    expect(page.data.mode).toBe('SELF_SHIP');
    expect(page.exists('.carrier-picker')).toBe(true);
    const ret = (await env.emu.db('returns')).find((r: any) => r._id === returnId);
    expect(ret.status).toBe('AWAITING_SHIPMENT');
    expect(ret.logistics ?? null).toBeNull();
  });

  it('with the bound account: booked with the structured address', async () => {
    await httpJson(env.emu.url, 'POST', '/_local/logistics/accounts', { accounts: [{ delivery_id: 'SF', biz_id: 'SF_DEMO_SHOP' }] });
    env.as(DEMO.buyer);
    const page = await env.open('logistics', { returnId });
    await fillPickup(page);
    await page.tap('.submit-btn');
    expect(env.shim.calls.filter((c) => c.name === 'submitLogistics').map((c) => c.error ?? null)).toEqual([null]);
    expect(env.shim.toasts.at(-1)).toBe('已预约上门取件');
    const [booked] = await bookings();
    expect(booked.result.errCode).toBe(0);
    expect(booked.data).toMatchObject({
      delivery_id: 'SF',
      biz_id: 'SF_DEMO_SHOP',
      sender: { name: '王小明', province: '北京市', city: '北京市', area: '朝阳区', address: '示例街道 100 号 5 单元 501' },
    });
  });

  it('a return address given with the region picker on the review page reaches the carrier structured', async () => {
    const id = await apply(env, 'O1003', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L2', quantity: 1 }]);
    env.as(DEMO.merchant);
    const review = await env.open('staff-review', { returnId: id });
    await review.input('.addr-name', '售后仓 王师傅');
    await review.input('.addr-phone', '13900000000');
    await review.change('.addr-region', ['浙江省', '杭州市', '余杭区']);
    await review.input('.addr-address', '仓前街道 1 号 售后仓');
    await review.tap('.submit-btn');
    const approve = env.shim.calls.find((c) => c.name === 'reviewReturn');
    expect(approve?.data.returnAddress).toEqual({
      name: '售后仓 王师傅',
      phone: '13900000000',
      province: '浙江省',
      city: '杭州市',
      area: '余杭区',
      address: '浙江省杭州市余杭区仓前街道 1 号 售后仓',
    });
    expect(review.text('.sh-status')).toBe('待买家寄回');

    env.as(DEMO.buyer);
    const page = await env.open('logistics', { returnId: id });
    await fillPickup(page);
    await page.tap('.submit-btn');
    const booked = (await bookings()).filter((b) => String(b.data.order_id).startsWith(`${id}-v`));
    expect(booked).toHaveLength(1);
    expect(booked[0].data.receiver).toMatchObject({ name: '售后仓 王师傅', province: '浙江省', city: '杭州市', area: '余杭区', address: '仓前街道 1 号 售后仓' });
  });
});
