/**
 * Timer triggers on the emulator clock, and cloud.openapi.* over the protobuf wire.
 */
import { startHarness, type Harness } from './harness';
import { invoke } from '../../../scripts/emulator/functions';
import { nextCronTime } from '../../../scripts/emulator/timers/cron';
import { triggerConfigError } from '../../../scripts/emulator/timers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ timers: true, openapi: true });
});

afterAll(async () => {
  await h?.close();
});

const HOUR = 3600e3;

describe('timer triggers', () => {
  test('the fixture trigger is read from config.json', async () => {
    const r = await h.get('/_local/triggers');
    expect(r.json.data).toEqual(expect.arrayContaining([expect.objectContaining({ function: 'ticker', trigger: 'hourly', cron: '0 0 * * * * *' })]));
  });

  test('advancing the clock past the slot fires once with SOURCE wx_trigger', async () => {
    const timers = h.timers!;
    await timers.idle();
    const before = timers.firings().filter((f) => f.function === 'ticker' && !f.manual).length;
    const slot = nextCronTime('0 0 * * * * *', h.emu.clock.now())!;
    await h.post('/_local/clock', { advanceMs: slot - h.emu.clock.now() + 1000 });
    await timers.idle();
    const fired = timers.firings().filter((f) => f.function === 'ticker' && !f.manual);
    expect(fired.length).toBe(before + 1);
    const last = fired[fired.length - 1];
    expect(last.slot).toBe(new Date(slot).toISOString());
    expect(last.ok).toBe(true);
    expect(last.result).toMatchObject({ source: 'wx_trigger', openid: null, trigger: 'hourly', type: 'Timer' });
  });

  test('a one-day jump fires once, not once per missed slot', async () => {
    const timers = h.timers!;
    await timers.idle();
    const before = timers.firings().filter((f) => f.function === 'ticker' && !f.manual).length;
    await h.post('/_local/clock', { advanceMs: 24 * HOUR });
    await timers.idle();
    expect(timers.firings().filter((f) => f.function === 'ticker' && !f.manual).length).toBe(before + 1);
    // and nothing more on a small move inside the same hour
    await h.post('/_local/clock', { advanceMs: 1000 });
    await timers.idle();
    expect(timers.firings().filter((f) => f.function === 'ticker' && !f.manual).length).toBe(before + 1);
  });

  test('after the clock is set back, the next slot from there fires', async () => {
    const timers = h.timers!;
    await timers.idle();
    const ticks = () => timers.firings().filter((f) => f.function === 'ticker' && !f.manual);
    const before = ticks().length;
    const back = h.emu.clock.now() - 3 * 24 * HOUR;
    await h.post('/_local/clock', { now: back });
    await timers.idle();
    expect(ticks().length).toBe(before); // going back fires nothing
    const slot = nextCronTime('0 0 * * * * *', h.emu.clock.now())!;
    await h.post('/_local/clock', { advanceMs: slot - h.emu.clock.now() + 1000 });
    await timers.idle();
    expect(ticks().length).toBe(before + 1);
    expect(ticks().at(-1)!.slot).toBe(new Date(slot).toISOString());
  });

  test('POST /_local/triggers/<name> fires now and returns the result; 404 without a trigger', async () => {
    const r = await h.post('/_local/triggers/ticker');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ source: 'wx_trigger', trigger: 'hourly' });
    const none = await h.post('/_local/triggers/probe');
    expect(none.status).toBe(404);
    expect(none.json.errMsg).toMatch(/no timer trigger/);
  });
});

describe('cloud.openapi', () => {
  beforeEach(async () => {
    await h.post('/_local/openapi', { clear: true });
  });

  test('subscribeMessage.send is recorded in /_local/outbox with the caller, data and emulator time', async () => {
    const data = { touser: 'oBuyer', templateId: 'TPL_REFUND', page: 'pages/return/detail?id=R1', data: { thing1: { value: '退款成功' } } };
    expect((await h.post('/_local/subscribe', { openid: 'oBuyer', templateIds: ['TPL_REFUND'] })).status).toBe(200); // the user's one-time consent
    const r: any = await invoke(h.emu, 'probe', { op: 'openapi', api: 'subscribeMessage.send', data }, { openid: 'oBuyer' });
    expect(r.result).toMatchObject({ errCode: 0, errMsg: 'openapi.subscribeMessage.send:ok' });
    const box = await h.get('/_local/outbox');
    expect(box.json.data).toHaveLength(1);
    const rec = box.json.data[0];
    expect(rec).toMatchObject({
      api: 'subscribeMessage.send',
      openid: 'oBuyer',
      function: 'probe',
      source: 'wx_client',
      data: { touser: 'oBuyer', template_id: 'TPL_REFUND', page: 'pages/return/detail?id=R1', data: { thing1: { value: '退款成功' } } },
      result: { errCode: 0 },
    });
    expect(Math.abs(new Date(rec.at).getTime() - h.emu.clock.now())).toBeLessThan(60_000);
  });

  test('a scripted failure surfaces as the SDK reports it, once', async () => {
    await h.post('/_local/openapi', { 'subscribeMessage.send': [{ errCode: 43101, errMsg: 'user refuse to accept the msg' }] });
    const data = { touser: 'oBuyer', templateId: 'T', data: { thing1: { value: '退款成功' } } };
    await h.post('/_local/subscribe', { openid: 'oBuyer', templateIds: ['T'] });
    const first: any = await invoke(h.emu, 'probe', { op: 'openapi', api: 'subscribeMessage.send', data }, { openid: 'oBuyer' });
    expect(first.error.errCode).toBe(43101);
    expect(first.error.errMsg).toBe('openapi.subscribeMessage.send:fail user refuse to accept the msg');
    const second: any = await invoke(h.emu, 'probe', { op: 'openapi', api: 'subscribeMessage.send', data }, { openid: 'oBuyer' });
    expect(second.result.errCode).toBe(0);
    const box = await h.get('/_local/outbox');
    expect(box.json.data.map((x: any) => x.result.errCode)).toEqual([43101, 0]);
  });

  test('logistics.addOrder returns a waybill id and the order id (camelCased by the SDK)', async () => {
    await h.post('/_local/logistics/accounts', { accounts: [{ delivery_id: 'SF', biz_id: 'SF_CASH' }] }); // a bound account
    const r: any = await invoke(h.emu, 'probe', {
      op: 'openapi',
      api: 'logistics.addOrder',
      data: {
        addSource: 0,
        orderId: 'R20250101001',
        openid: 'oBuyer',
        deliveryId: 'SF',
        bizId: 'SF_CASH',
        sender: { name: '买家', mobile: '13900000000', province: '广东省', city: '广州市', area: '海珠区', address: '示例路 1 号' },
        receiver: { name: '商家', mobile: '13800000000', province: '上海市', city: '上海市', area: '浦东新区', address: '示例路 88 号' },
        cargo: { count: 1, weight: 1, spaceX: 30, spaceY: 20, spaceZ: 10 },
        shop: { goodsName: '退货', goodsCount: 1 },
        insured: { useInsured: 0, insuredValue: 0 },
        service: { serviceType: 0, serviceName: '标准快递' },
        expectTime: Math.floor(h.emu.clock.now() / 1000) + 3600,
      },
    });
    expect(r.result.errCode).toBe(0);
    expect(r.result.orderId).toBe('R20250101001');
    expect(r.result.waybillId).toMatch(/^SF\d{10,}$/);
  });

  test('security.imgSecCheck passes by default; media parts are recorded by size', async () => {
    // PNG signature + IHDR of 640 × 480 (within the 750 × 1334 px limit)
    const png = '89504e470d0a1a0a0000000d4948445200000280000001e008020000000000';
    const r: any = await invoke(h.emu, 'probe', { op: 'openapi', api: 'security.imgSecCheck', mediaBytes: png });
    expect(r.result).toEqual({ errCode: 0, errMsg: 'openapi.security.imgSecCheck:ok' });
    const box = await h.get('/_local/outbox');
    expect(box.json.data[0]).toMatchObject({ api: 'security.imgSecCheck', data: { media: { contentType: 'image/png', filename: 'media.png', size: png.length / 2 } } });
  });

  test('an api missing from config.json permissions.openapi is refused as on the cloud (-604101)', async () => {
    const r: any = await invoke(h.emu, 'probe', { op: 'openapi', api: 'security.msgSecCheck', data: { content: 'hi' } });
    expect(r.error.errCode).toBe(-604101);
  });
});

describe('config.json triggers as WeChat deploys them (one per function, timer, a valid name)', () => {
  test("the product's one timer deploys; two, another type or a bad name are refused", () => {
    const sweep = JSON.parse(readFileSync(join(__dirname, '../../../cloudfunctions/sweepTimeouts/config.json'), 'utf8')).triggers;
    expect(triggerConfigError(sweep)).toBeNull();
    expect(triggerConfigError([...sweep, { name: 'outbox', type: 'timer', config: '0 * * * * * *' }])).toMatch(/one trigger per function/);
    expect(triggerConfigError([{ name: 'sweep', type: 'cos', config: '' }])).toMatch(/only timer/);
    expect(triggerConfigError([{ name: '1sweep', type: 'timer', config: '0 * * * * * *' }])).toMatch(/starting with a letter/);
  });
});
