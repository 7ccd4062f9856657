/**
 * The open-API limits of docs/platform-limits.md ("Subscribe messages, content
 * checks, logistics"), enforced by the emulator and reached through the real
 * wx-server-sdk inside the `probe` fixture: one-time subscribe consents
 * (43101), template field limits (47003), imgSecCheck format / size / pixel
 * limits (40005 / 40006), mediaCheckAsync v2 with its verdict delivered later
 * as a wxa_media_check message-push event, and logistics bookings only through
 * a bound carrier account with structured addresses (930561 / 9300526 / 9300501).
 */
import { startHarness, type Harness } from './harness';
import { invoke } from '../../../scripts/emulator/functions';
import { createEmulatorCore } from '../../../scripts/emulator/core';
import { installOpenApi } from '../../../scripts/emulator/openapi';
import { syntheticJpeg } from '../../../scripts/emulator/openapi/media';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ openapi: true });
});

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  await h.post('/_local/openapi', { clear: true });
});

const probe = (api: string, data: Record<string, unknown>, openid = 'oCaller') => invoke(h.emu, 'probe', { op: 'openapi', api, data }, { openid }) as Promise<any>;
const send = (touser: string, templateId: string, data: Record<string, unknown> = { thing1: { value: '退款成功' } }) =>
  probe('subscribeMessage.send', { touser, templateId, page: 'pages/x/index', data });
const consents = async (openid: string) => (await h.get(`/_local/subscribe?openid=${openid}`)).json.consents;
let uploads = 0;
/** imgSecCheck of these bytes, read by the function from cloud storage (an event may carry at most 100 KB). */
const imgCheck = async (buf: Buffer) => {
  const { fileID } = (await h.post('/_local/storage', { cloudPath: `probe/img-${++uploads}.bin`, contentBase64: buf.toString('base64') })).json;
  return invoke(h.emu, 'probe', { op: 'openapi', api: 'security.imgSecCheck', mediaFileID: fileID }) as Promise<any>;
};

describe('subscribeMessage.send: one-time consents', () => {
  test('without a consent: 43101, recorded in the outbox with that answer', async () => {
    const r = await send('oNoConsent', 'TPL_A');
    expect(r.error).toMatchObject({ errCode: 43101, errMsg: 'openapi.subscribeMessage.send:fail user refuse to accept the msg' });
    const [rec] = (await h.get('/_local/outbox')).json.data;
    expect(rec).toMatchObject({ api: 'subscribeMessage.send', data: { touser: 'oNoConsent', template_id: 'TPL_A' }, result: { errCode: 43101 } });
  });

  test('each accept allows one message of that template; a call counts each template id once', async () => {
    const acc = await h.post('/_local/subscribe', { openid: 'oOne', templateIds: ['TPL_A', 'TPL_A', 'TPL_B'] });
    expect(acc.json.consents).toEqual({ TPL_A: 1, TPL_B: 1 });
    await h.post('/_local/subscribe', { openid: 'oOne', templateIds: ['TPL_A'] });
    expect(await consents('oOne')).toEqual({ TPL_A: 2, TPL_B: 1 });
    expect((await send('oOne', 'TPL_A')).result.errCode).toBe(0);
    expect((await send('oOne', 'TPL_A')).result.errCode).toBe(0);
    expect((await send('oOne', 'TPL_A')).error.errCode).toBe(43101);
    expect(await consents('oOne')).toEqual({ TPL_B: 1 });
    // another user's consent is not this one's
    expect((await send('oOther', 'TPL_B')).error.errCode).toBe(43101);
  });

  test('more than 3 template ids in one request is refused (20003), nothing recorded', async () => {
    const r = await h.post('/_local/subscribe', { openid: 'oMany', templateIds: ['a', 'b', 'c', 'd'] });
    expect(r.status).toBe(400);
    expect(r.json.errCode).toBe(20003);
    expect(await consents('oMany')).toEqual({});
  });

  test('template data over a field limit: 47003, and the consent is not used', async () => {
    await h.post('/_local/subscribe', { openid: 'oData', templateIds: ['TPL_A'] });
    const long = await send('oData', 'TPL_A', { thing3: { value: '这是一段超过二十个字的温馨提示内容，用来测试字段长度限制' } });
    expect(long.error.errCode).toBe(47003);
    const phrase = await send('oData', 'TPL_A', { phrase2: { value: '退款成功了吗' } });
    expect(phrase.error.errCode).toBe(47003);
    expect(await consents('oData')).toEqual({ TPL_A: 1 });
    expect((await send('oData', 'TPL_A', { phrase2: { value: '退款成功' } })).result.errCode).toBe(0);
  });

  test('no touser: 40003', async () => {
    expect((await probe('subscribeMessage.send', { templateId: 'TPL_A', data: { thing1: { value: 'x' } } })).error.errCode).toBe(40003);
  });
});

describe('security.imgSecCheck limits', () => {
  test('a 750 × 1334 JPEG under 500 KB passes', async () => {
    expect((await imgCheck(syntheticJpeg(750, 1334, 300 * 1024))).result.errCode).toBe(0);
  });

  test('a 4000 × 3000 phone photo: 40006 invalid media size', async () => {
    const r = await imgCheck(syntheticJpeg(4000, 3000, 200 * 1024));
    expect(r.error.errCode).toBe(40006);
    expect(r.error.errMsg).toMatch(/invalid media size/);
  });

  test('more than 500 KB: 40006, even when the pixels are within the limit', async () => {
    expect((await imgCheck(syntheticJpeg(640, 480, 600 * 1024))).error.errCode).toBe(40006);
  });

  test('WEBP / HEIC / undecodable bytes: 40005 invalid file type', async () => {
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), Buffer.alloc(64)]);
    expect((await imgCheck(webp)).error.errCode).toBe(40005);
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(64)]);
    expect((await imgCheck(heic)).error.errCode).toBe(40005);
    expect((await imgCheck(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).error.errCode).toBe(40005);
  });

  test('a risky image is scripted: 87014', async () => {
    await h.post('/_local/openapi', { 'security.imgSecCheck': [{ errCode: 87014, errMsg: 'risky content' }] });
    expect((await imgCheck(syntheticJpeg(640, 480))).error.errCode).toBe(87014);
  });
});

describe('security.mediaCheckAsync (version 2) and its wxa_media_check event', () => {
  const ask = (data: Record<string, unknown>) =>
    probe('security.mediaCheckAsync', { mediaUrl: 'https://example.invalid/evidence/a.jpg', mediaType: 2, version: 2, openid: 'oBuyer', scene: 1, ...data });

  test('version 2 needs the user openid and a scene', async () => {
    expect((await ask({ openid: undefined })).error.errCode).toBe(40003);
    expect((await ask({ scene: 9 })).error.errCode).toBe(40097);
    expect((await ask({ version: 1 })).error.errCode).toBe(40097);
    expect((await ask({ mediaType: 3 })).error.errCode).toBe(40097);
  });

  test('answers a trace id at once; the verdict arrives later at the configured function as a message-push event', async () => {
    await h.post('/_local/media-check', { callbackFunction: 'probe', auto: false, verdicts: ['pass', 'risky', 'review'] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await ask({});
      expect(r.result.errCode).toBe(0);
      ids.push(r.result.traceId);
    }
    expect((await h.get('/_local/media-check')).json.pending.map((j: any) => j.traceId)).toEqual(ids);
    const { delivered } = (await h.post('/_local/media-check/flush')).json;
    expect(delivered.map((j: any) => [j.traceId, j.event.result.suggest])).toEqual([
      [ids[0], 'pass'],
      [ids[1], 'risky'],
      [ids[2], 'review'],
    ]);
    expect(delivered[1].event).toMatchObject({ MsgType: 'event', Event: 'wxa_media_check', version: 2, trace_id: ids[1], FromUserName: 'oBuyer', result: { suggest: 'risky' } });
    for (const j of delivered) {
      expect(j.delivery.ok).toBe(true);
      expect(j.deliveredTo).toBe('probe');
      expect(j.delivery.result.ctx).toMatchObject({ SOURCE: 'wx_msgpush' });
    }
    expect((await h.get('/_local/media-check')).json.pending).toEqual([]);
  });
});

describe('logistics: bound accounts and addOrder', () => {
  const order = (over: Record<string, any> = {}) => ({
    addSource: 0,
    orderId: `R-${Math.random().toString(36).slice(2)}`,
    openid: 'oBuyer',
    deliveryId: 'SF',
    bizId: 'SHOP_SF_1',
    sender: { name: '张三', mobile: '13900000000', province: '北京市', city: '北京市', area: '朝阳区', address: '示例街道 1 号院 2 单元 301' },
    receiver: { name: '示例小店', mobile: '13800000000', province: '上海市', city: '上海市', area: '浦东新区', address: '示例路 88 号 3 楼' },
    cargo: { count: 1, weight: 1, spaceX: 30, spaceY: 20, spaceZ: 10 },
    shop: { goodsName: '售后退货', goodsCount: 1 },
    insured: { useInsured: 0, insuredValue: 0 },
    service: { serviceType: 0, serviceName: '标准快递' },
    expectTime: Math.floor(h.emu.clock.now() / 1000) + 7200,
    ...over,
  });

  test('without a bound account: refused (9300501), nothing booked', async () => {
    await h.post('/_local/logistics/accounts', { accounts: [] });
    const r = await probe('logistics.addOrder', order());
    expect(r.error.errCode).toBe(9300501);
    const got = await probe('logistics.getOrder', { orderId: 'nope', openid: 'oBuyer', deliveryId: 'SF', waybillId: 'x' });
    expect(got.error?.errCode ?? got.result?.errCode).not.toBe(0);
  });

  test('getAllAccount lists the seeded accounts; only a bound one (status_code 0) books', async () => {
    await h.post('/_local/logistics/accounts', {
      accounts: [
        { delivery_id: 'SF', biz_id: 'SHOP_SF_1' },
        { delivery_id: 'ZTO', biz_id: 'SHOP_ZTO', status_code: 1 },
      ],
    });
    const all = await probe('logistics.getAllAccount', {});
    expect(all.result.count).toBe(2);
    expect(all.result.list.map((a: any) => [a.deliveryId, a.bizId, a.statusCode])).toEqual([
      ['SF', 'SHOP_SF_1', 0],
      ['ZTO', 'SHOP_ZTO', 1],
    ]);
    const ok = await probe('logistics.addOrder', order());
    expect(ok.result.errCode).toBe(0);
    expect(ok.result.waybillId).toMatch(/^SF\d{13}$/);
    const review = await probe('logistics.addOrder', order({ deliveryId: 'ZTO', bizId: 'SHOP_ZTO' }));
    expect(review.error.errCode).toBe(9300501);
    const otherBiz = await probe('logistics.addOrder', order({ bizId: 'SF_CASH' }));
    expect(otherBiz.error.errCode).toBe(9300501);
  });

  test('structured addresses are required (930561 args error naming the field); an over-long field is 9300526', async () => {
    await h.post('/_local/logistics/accounts', { accounts: [{ delivery_id: 'SF', biz_id: 'SHOP_SF_1' }] });
    const oneString = await probe('logistics.addOrder', order({ sender: { name: '张三', mobile: '13900000000', address: '北京市朝阳区示例街道 1 号院' } }));
    expect(oneString.error.errCode).toBe(930561);
    expect(oneString.error.errMsg).toMatch(/sender\.province, sender\.city, sender\.area/);
    const noPhone = await probe('logistics.addOrder', order({ receiver: { name: '示例小店', province: '上海市', city: '上海市', area: '浦东新区', address: '示例路' } }));
    expect(noPhone.error.errMsg).toMatch(/receiver\.mobile/);
    const longName = await probe('logistics.addOrder', order({ sender: { ...order().sender, name: '很长的名字'.repeat(5) } }));
    expect(longName.error.errCode).toBe(9300526);
    const past = await probe('logistics.addOrder', order({ expectTime: Math.floor(h.emu.clock.now() / 1000) - 60 }));
    expect(past.error.errCode).toBe(930561);
  });
});

describe('kept with the database', () => {
  test('consents and bound accounts survive a restart; reset wipes them', async () => {
    const dataDir = h.dataDir;
    const a = await createEmulatorCore({ port: 0, dataDir, functionsDir: dataDir, persist: false, log: () => undefined });
    const first = installOpenApi(a);
    first.subscribe('oKeep', ['TPL_K']);
    first.setAccounts([{ delivery_id: 'SF', biz_id: 'KEEP' }]);
    await a.close();
    const b = await createEmulatorCore({ port: 0, dataDir, functionsDir: dataDir, persist: false, log: () => undefined });
    const second = installOpenApi(b);
    expect(second.consents('oKeep')).toEqual({ TPL_K: 1 });
    expect(second.accounts().map((x) => x.biz_id)).toEqual(['KEEP']);
    await b.close();
    const c = await createEmulatorCore({ port: 0, dataDir, functionsDir: dataDir, persist: false, log: () => undefined });
    const third = installOpenApi(c, { reset: true });
    expect(third.consents('oKeep')).toEqual({});
    expect(third.accounts()).toEqual([]);
    await c.close();
  });
});
