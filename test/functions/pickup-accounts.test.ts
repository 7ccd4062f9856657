/**
 * Courier pickup through the shop's bound carrier account (docs/platform-limits.md,
 * "open API"): logistics.addOrder books only through an account WeChat lists
 * as bound (logistics.getAllAccount), with structured sender / receiver
 * addresses. Without one the buyer is refused in Chinese with the self-ship
 * alternative, and nothing is booked or written.
 */
import { pickupTomorrow, rid } from '../support/emulator';
import { useEmulator, fx, expectError, buyer } from '../support/functions';

const h = useEmulator();
const { writesNothing, approve, seedOneLineOrder, advance } = fx(h);

async function awaitingShipment(orderId: string): Promise<any> {
  await seedOneLineOrder(orderId, 1, 20000);
  const res = await h.call(
    'applyReturn',
    { action: 'apply', requestId: rid('apply'), orderId, type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] },
    buyer,
  );
  expect(res.ok).toBe(true);
  return approve(res.data.return.returnId);
}

async function pickupFields(extra: Record<string, unknown> = {}) {
  return pickupTomorrow(await h.now(), extra);
}

const book = async (returnId: string, pickup: Record<string, unknown>) => h.call('submitLogistics', { mode: 'PICKUP', requestId: rid('pk'), returnId, pickup }, buyer);
const calls = async (api: string) => (await h.outbox()).filter((c: any) => c.api === api);
const setAccounts = (accounts: unknown[]) =>
  fetch(`${h.url}/_local/logistics/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accounts }) });

/** Settings are read once a minute per warm instance: change them, then let a minute pass. */
async function settings(patch: Record<string, unknown>) {
  const [doc] = (await h.db('settings')).filter((d: any) => d._id === 'shop');
  await h.seed({ settings: [{ ...doc, ...patch }] });
  await advance(61_000);
}

describe('a pickup without a bound account', () => {
  it('is refused with a clear message and the self-ship alternative; nothing booked, nothing written', async () => {
    const ret = await awaitingShipment('OPK1');
    const res1 = await setAccounts([]); // the shop unbound its account in 物流助手
    expect(res1.status).toBe(200);
    const before = (await calls('logistics.addOrder')).length;
    const res = await writesNothing(async () => book(ret.returnId, await pickupFields()));
    expectError(res, 'LOGISTICS_INVALID', '本店的快递账号尚未绑定或正在审核，暂不能预约上门取件，请选择「自行寄回」并填写快递单号');
    expect(res.error.details).toMatchObject({ alternative: 'SELF_SHIP', refusal: 'CARRIER_ACCOUNT_UNBOUND' });
    expect(await calls('logistics.addOrder')).toHaveLength(before);
    expect((await calls('logistics.getAllAccount')).at(-1)).toMatchObject({ function: 'submitLogistics', result: { errCode: 0, count: 0 } });

    // an account under review is not usable either
    await setAccounts([{ delivery_id: 'SF', biz_id: 'SF_DEMO_SHOP', status_code: 1 }]);
    const review = await writesNothing(async () => book(ret.returnId, await pickupFields()));
    expectError(review, 'LOGISTICS_INVALID', /尚未绑定或正在审核/);
    expect(await calls('logistics.addOrder')).toHaveLength(before);

    // self-shipping still works
    const ship = await h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid('ship'), returnId: ret.returnId, carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer);
    expect(ship.data.return.status).toBe('IN_TRANSIT');
  });

  it('a shop with no carrier account configured does not offer pickup', async () => {
    const ret = await awaitingShipment('OPK2');
    await setAccounts([{ delivery_id: 'SF', biz_id: 'SF_DEMO_SHOP' }]);
    await settings({ logistics: { accounts: [] } });
    const before = (await calls('logistics.getAllAccount')).length;
    const res = await writesNothing(async () => book(ret.returnId, await pickupFields()));
    expectError(res, 'LOGISTICS_INVALID', '本店暂未开通上门取件，请选择「自行寄回」并填写快递单号');
    expect(res.error.details).toMatchObject({ alternative: 'SELF_SHIP', refusal: 'PICKUP_NOT_OFFERED' });
    expect(await calls('logistics.getAllAccount')).toHaveLength(before);
  });
});

describe('a pickup through the bound account', () => {
  it('uses the first configured account WeChat lists as bound, with structured addresses', async () => {
    await setAccounts([
      { delivery_id: 'SF', biz_id: 'SF_DEMO_SHOP' },
      { delivery_id: 'ZTO', biz_id: 'ZTO_SHOP', status_code: 2 },
    ]);
    await settings({
      logistics: {
        accounts: [
          { deliveryId: 'ZTO', bizId: 'ZTO_SHOP' },
          { deliveryId: 'SF', bizId: 'SF_DEMO_SHOP' },
        ],
      },
    });
    const ret = await awaitingShipment('OPK3');
    const res = await book(ret.returnId, await pickupFields({ province: '广东省', city: '广州市', area: '海珠区', address: '示例路 1 号 2 栋 301' }));
    expect(res.ok).toBe(true);
    expect(res.data.return.status).toBe('IN_TRANSIT');
    const booked = (await calls('logistics.addOrder')).at(-1);
    expect(booked.result.errCode).toBe(0);
    expect(booked.data).toMatchObject({
      delivery_id: 'SF',
      biz_id: 'SF_DEMO_SHOP',
      order_id: `${ret.returnId}-v${ret.version}`,
      sender: { name: '张三', mobile: '13912345678', province: '广东省', city: '广州市', area: '海珠区', address: '示例路 1 号 2 栋 301' },
      receiver: { province: '上海市', city: '上海市', area: '浦东新区' },
    });
    expect(res.data.return.logistics).toMatchObject({ mode: 'PICKUP', carrier: 'SF', pickup: { address: '广东省广州市海珠区示例路 1 号 2 栋 301' } });
  });

  it('an address whose region cannot be told asks for 省/市/区, nothing booked', async () => {
    const ret = await awaitingShipment('OPK4');
    const before = (await calls('logistics.addOrder')).length;
    const res = await writesNothing(async () => book(ret.returnId, await pickupFields({ address: '示例街道 1 号院 2 单元 301' })));
    expectError(res, 'LOGISTICS_INVALID', '请选择取件地址所在的省、市、区');
    expect(res.error.details).toMatchObject({ field: 'pickup.province', alternative: 'SELF_SHIP' });
    expect(await calls('logistics.addOrder')).toHaveLength(before);
  });

  it('the carrier refusing the address (930561) is shown in Chinese with the alternative', async () => {
    const ret = await awaitingShipment('OPK5');
    await fetch(`${h.url}/_local/openapi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'logistics.addOrder': [{ errCode: 930561, errMsg: 'args error' }] }),
    });
    const res = await writesNothing(async () => book(ret.returnId, await pickupFields()));
    expectError(res, 'LOGISTICS_INVALID', '取件信息不完整，请检查省、市、区和详细地址后重试，或选择「自行寄回」');
    expect(res.error.details).toMatchObject({ alternative: 'SELF_SHIP', errCode: 930561 });
  });
});

describe('the carrier-account check deploy runs (queryReturns carrierAccounts)', () => {
  it('says per configured account whether WeChat lists it as bound; a server caller or an ADMIN only', async () => {
    await setAccounts([{ delivery_id: 'SF', biz_id: 'SF_DEMO_SHOP', status_code: 0 }]);
    const server = await h.call('queryReturns', { action: 'carrierAccounts' }, { openid: '', source: 'scf' });
    const sf = (r: any) => r.data.accounts.find((a: any) => a.deliveryId === 'SF' && a.bizId === 'SF_DEMO_SHOP');
    expect(sf(server)).toEqual({ deliveryId: 'SF', bizId: 'SF_DEMO_SHOP', bound: true, status: '已绑定' });
    await setAccounts([{ delivery_id: 'SF', biz_id: 'SF_DEMO_SHOP', status_code: 1 }]);
    const admin = await h.call('queryReturns', { action: 'carrierAccounts' }, { openid: 'o_demo_admin' });
    expect(sf(admin)).toMatchObject({ bound: false, status: '审核中或未通过（status_code 1）' });
    await setAccounts([]);
    expect(sf(await h.call('queryReturns', { action: 'carrierAccounts' }, { openid: 'o_demo_admin' }))).toMatchObject({ bound: false, status: '未在「物流助手」绑定' });
    expectError(await h.call('queryReturns', { action: 'carrierAccounts' }, buyer), 'FORBIDDEN');
  });
});
