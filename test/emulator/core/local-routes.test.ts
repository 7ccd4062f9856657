/** The /_local routes, per-worker stats, admin decoding, JSON errors for bad requests. */
import type { EmulatorCore } from '../../../scripts/emulator/core';
import { http, startCore, useSdk } from './helpers';

let emu: EmulatorCore;

beforeAll(async () => {
  emu = await startCore();
});

afterAll(async () => {
  await emu.close();
});

describe('POST /_local/seed, GET /_local/db', () => {
  test('seeds as given; EJSON and ISO instants become Dates; other strings stay strings', async () => {
    const res = await http(emu, 'POST', '/_local/seed', {
      orders: [
        {
          _id: 'o1',
          createdAt: '2024-05-01T08:00:00Z',
          paidAt: { $date: '2024-05-02T00:00:00.000Z' },
          deadline: '2024-05-08T08:00:00+08:00',
          note: '2024-05-01',
          lines: [{ at: '2024-05-01T08:00:00.5Z' }],
        },
        { buyer: 'no-id' },
      ],
      staff: [{ _id: 'openid-1', roles: ['MERCHANT'] }],
    });
    expect(res.status).toBe(200);
    expect(res.json.inserted).toEqual({ orders: 2, staff: 1 });
    const [o1] = await emu.db.find('orders', { _id: 'o1' });
    expect(o1.createdAt).toEqual(new Date('2024-05-01T08:00:00Z'));
    expect(o1.paidAt).toEqual(new Date('2024-05-02T00:00:00Z'));
    expect(o1.deadline).toEqual(new Date('2024-05-08T00:00:00Z'));
    expect(o1.note).toBe('2024-05-01');
    expect(o1.lines[0].at).toEqual(new Date('2024-05-01T08:00:00.500Z'));
    expect(res.json.ids.orders).toHaveLength(2);

    const dump = await http(emu, 'GET', '/_local/db/orders');
    expect(dump.status).toBe(200);
    expect(dump.json.data).toHaveLength(2);
    expect(dump.json.data[0]).toMatchObject({ _id: 'o1', createdAt: '2024-05-01T08:00:00.000Z', note: '2024-05-01' });
    expect(dump.json.data[1]._id).toMatch(/^[0-9a-f]{32}$/);
  });

  test('seeding an existing _id replaces it (seeding twice is harmless)', async () => {
    await http(emu, 'POST', '/_local/seed', { again: [{ _id: 'a', v: 1, extra: true }] });
    const res = await http(emu, 'POST', '/_local/seed', { again: [{ _id: 'a', v: 2 }] });
    expect(res.json).toMatchObject({ inserted: { again: 0 }, replaced: { again: 1 } });
    expect((await http(emu, 'GET', '/_local/db/again')).json.data).toEqual([{ _id: 'a', v: 2 }]);
  });

  test('seeded data is what the SDK reads', async () => {
    await http(emu, 'POST', '/_local/seed', { seen: [{ _id: 's', at: '2024-01-01T00:00:00Z' }] });
    const { db } = useSdk(emu);
    const { data } = await db.collection('seen').doc('s').get();
    expect(data.at).toEqual(new Date('2024-01-01T00:00:00Z'));
  });

  test('a collection that does not exist dumps as empty', async () => {
    const res = await http(emu, 'GET', '/_local/db/never');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: [], exists: false });
  });

  test('GET /_local/db lists collections with counts', async () => {
    const res = await http(emu, 'GET', '/_local/db');
    expect(res.json.collections).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'orders', count: 2 })]));
  });

  test.each([
    ['not JSON', '{"orders": [', /not valid JSON/],
    ['not an object', '[1,2]', /JSON object/],
    ['docs not a list', '{"orders": {"_id": 1}}', /must be a list/],
    ['doc not an object', '{"orders": [1]}', /must be an object/],
    ['duplicate _id in the body', '{"orders": [{"_id": "z"}, {"_id": "z"}]}', /appears twice/],
    ['empty body', '', /empty/],
  ])('bad seed body (%s) → 400 INVALID_REQUEST', async (_name, body, msg) => {
    const res = await http(emu, 'POST', '/_local/seed', body);
    expect(res.status).toBe(400);
    expect(res.json.errCode).toBe('INVALID_REQUEST');
    expect(res.json.errMsg).toMatch(msg);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });
});

describe('POST /_local/storage', () => {
  test('stores the file; the fileID works with the SDK and the temp URL serves it', async () => {
    const content = Buffer.from('%PDF-1.4 local');
    const res = await http(emu, 'POST', '/_local/storage', { cloudPath: 'evidence/o/receipt.pdf', contentBase64: content.toString('base64') });
    expect(res.status).toBe(200);
    expect(res.json.fileID).toBe(emu.storage.fileIdFor('evidence/o/receipt.pdf'));
    expect(res.json).toMatchObject({ size: content.length, contentType: 'application/pdf' });
    const { cloud } = useSdk(emu);
    const urls = await cloud.getTempFileURL({ fileList: [res.json.fileID] });
    const fetched = await fetch(urls.fileList[0].tempFileURL);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(content)).toBe(true);
    const head = await fetch(urls.fileList[0].tempFileURL, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(content.length));
  });

  test('explicit contentType wins', async () => {
    const res = await http(emu, 'POST', '/_local/storage', { cloudPath: 'v/clip.bin', contentBase64: 'AAEC', contentType: 'video/mp4' });
    expect((await emu.storage.stat(res.json.fileID))!.contentType).toBe('video/mp4');
  });

  test.each([
    [{ contentBase64: 'AA==' }, /cloudPath/],
    [{ cloudPath: 'a.txt' }, /contentBase64/],
    [{ cloudPath: 'a/../b.txt', contentBase64: 'AA==' }, /invalid cloudPath/],
    [{ cloudPath: 'a.txt', contentBase64: '***' }, /base64/],
  ])('bad storage body %j → 400', async (body, msg) => {
    const res = await http(emu, 'POST', '/_local/storage', body);
    expect(res.status).toBe(400);
    expect(res.json.errCode).toBe('INVALID_REQUEST');
    expect(res.json.errMsg).toMatch(msg);
  });
});

describe('/_local/clock', () => {
  test('advance, set, read; `now` may also set it back', async () => {
    const start = (await http(emu, 'GET', '/_local/clock')).json;
    expect(Date.parse(start.now)).toBe(start.nowMs);
    const adv = await http(emu, 'POST', '/_local/clock', { advanceMs: 3 * 86400_000 });
    expect(adv.status).toBe(200);
    expect(adv.json.nowMs - start.nowMs).toBeGreaterThanOrEqual(3 * 86400_000);
    expect(emu.clock.offset()).toBeGreaterThanOrEqual(3 * 86400_000);

    const target = '2099-01-01T00:00:00.000Z';
    const set = await http(emu, 'POST', '/_local/clock', { now: target });
    expect(Date.parse(set.json.now)).toBeGreaterThanOrEqual(Date.parse(target));
    expect(Date.parse(set.json.now) - Date.parse(target)).toBeLessThan(60_000);

    const back = await http(emu, 'POST', '/_local/clock', { now: '2020-01-01T00:00:00Z' });
    expect(back.status).toBe(200);
    expect(Date.parse(back.json.now) - Date.parse('2020-01-01T00:00:00Z')).toBeGreaterThanOrEqual(0);
    expect(Date.parse(back.json.now) - Date.parse('2020-01-01T00:00:00Z')).toBeLessThan(60_000);
    expect(emu.clock.now()).toBeLessThan(Date.now());
    // advanceMs stays forwards only
    expect((await http(emu, 'POST', '/_local/clock', { advanceMs: -1 })).status).toBe(400);
  });

  test.each([[{}], [{ advanceMs: -1 }], [{ advanceMs: 'soon' }], [{ now: 'yesterday' }], [{ advanceMs: 1, now: 1 }]])('bad clock body %j → 400', async (body) => {
    const res = await http(emu, 'POST', '/_local/clock', body);
    expect(res.status).toBe(400);
    expect(res.json.errCode).toBe('INVALID_REQUEST');
  });
});

describe('stats per worker path', () => {
  test('every admin request on /admin/w/<id> counts towards the running invocation', async () => {
    await http(emu, 'POST', '/_local/stats/reset');
    const { db } = useSdk(emu, 'w1');
    await db.createCollection('statsdemo').catch(() => undefined);
    emu.stats.begin('w1', { id: 'inv-1', function: 'applyReturn', source: 'wx_client', openid: 'u1', action: 'apply' });
    await db.collection('statsdemo').add({ data: { a: 1 } });
    await db.collection('statsdemo').where({ a: 1 }).get();
    await db
      .collection('statsdemo')
      .where({ a: 1 })
      .update({ data: { a: 2 } });
    await db.collection('statsdemo').where({ a: 2 }).get();
    const rec = emu.stats.end('w1', 'ok')!;
    expect(rec.dbRequests).toBe(4);
    expect(rec.dbByAction).toEqual({ 'database.insertDocument': 1, 'database.getDocument': 2, 'database.modifyDocument': 1 });
    expect(rec.durationMs).toBeGreaterThanOrEqual(0);

    // requests on the plain /admin path or on an idle worker are not attributed to it
    const plain = useSdk(emu);
    await plain.db.collection('statsdemo').get();
    const idle = useSdk(emu, 'w2');
    await idle.db.collection('statsdemo').get();

    const res = await http(emu, 'GET', '/_local/stats');
    expect(res.status).toBe(200);
    expect(res.json.invocations).toHaveLength(1);
    expect(res.json.invocations[0]).toMatchObject({ id: 'inv-1', function: 'applyReturn', outcome: 'ok', dbRequests: 4 });
    expect(res.json.summary.byFunction.applyReturn).toMatchObject({ count: 1, ok: 1, dbRequests: 4 });
    // createCollection ran on w1 before begin(): counted, but not towards inv-1
    expect(res.json.summary.unattributed).toEqual({ w1: { 'database.addCollection': 1 }, w2: { 'database.getDocument': 1 } });

    const reset = await http(emu, 'DELETE', '/_local/stats/reset');
    expect(reset.status).toBe(200);
    expect((await http(emu, 'GET', '/_local/stats')).json.invocations).toEqual([]);
  });
});

describe('admin endpoint and HTTP errors', () => {
  test('registered actions get JSON params and multipart fields/files; worker id and query decoded', async () => {
    const seen: any[] = [];
    emu.registerAction('test.echo', async (req) => {
      seen.push(req);
      return { kind: 'raw', contentType: 'application/octet-stream', body: Buffer.from('raw-reply') };
    });
    const fd = new FormData();
    fd.append('action', 'test.echo');
    fd.append('apiName', 'subscribeMessage.send');
    fd.append('requestData', new Blob([Buffer.from([0, 1, 2, 255])], { type: 'application/octet-stream' }));
    const res = await fetch(`${emu.url}/admin/w/worker-9?env=local-env&seqId=abc`, { method: 'POST', body: fd });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('raw-reply');
    expect(seen[0].action).toBe('test.echo');
    expect(seen[0].workerId).toBe('worker-9');
    expect(seen[0].query).toEqual({ env: 'local-env', seqId: 'abc' });
    expect(seen[0].params.apiName).toBe('subscribeMessage.send');
    expect([...seen[0].files.requestData]).toEqual([0, 1, 2, 255]);

    const json = await http(emu, 'POST', '/admin', { action: 'test.echo', n: 5, nested: { a: [1] } });
    expect(json.status).toBe(200);
    expect(seen[1].params).toMatchObject({ n: 5, nested: { a: [1] } });
    expect(seen[1].workerId).toBeUndefined();
  });

  test('a handler that throws becomes { code, message } (HTTP 200), like the real API', async () => {
    emu.registerAction('test.boom', async () => {
      throw new Error('kaput');
    });
    const res = await http(emu, 'POST', '/admin', { action: 'test.boom' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ code: 'SYS_ERR', message: 'kaput' });
  });

  test('bad admin bodies → 400 JSON', async () => {
    const notJson = await http(emu, 'POST', '/admin', '{oops', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.errCode).toBe('INVALID_REQUEST');
    const noAction = await http(emu, 'POST', '/admin', { collectionName: 'x' });
    expect(noAction.status).toBe(400);
    expect(noAction.json.errMsg).toMatch(/action/);
  });

  test('registered routes: params, precedence, and JSON errors from handlers', async () => {
    emu.registerRoute('GET', '/things/:name', async (_req, _body, params) => ({ status: 200, json: { param: params.name } }));
    emu.registerRoute('GET', '/things/special', async () => ({ status: 200, json: { special: true } }));
    expect((await http(emu, 'GET', '/things/%E4%B8%AD')).json).toEqual({ param: '中' });
    expect((await http(emu, 'GET', '/things/special')).json).toEqual({ special: true });
    emu.registerRoute('POST', '/things/:name', async () => {
      throw new Error('handler broke');
    });
    const broke = await http(emu, 'POST', '/things/x', {});
    expect(broke.status).toBe(500);
    expect(broke.json).toEqual({ errCode: 'INTERNAL', errMsg: 'handler broke' });
  });

  test('unknown route 404, wrong method 405, malformed path 400, oversized body 413 — all JSON', async () => {
    const nf = await http(emu, 'GET', '/nope');
    expect(nf.status).toBe(404);
    expect(nf.json.errCode).toBe('NOT_FOUND');
    const na = await http(emu, 'PUT', '/_local/seed', {});
    expect(na.status).toBe(405);
    expect(na.json.errCode).toBe('METHOD_NOT_ALLOWED');
    const bad = await http(emu, 'GET', '/_local/db/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(bad.json.errCode).toBe('INVALID_REQUEST');
    const big = await http(emu, 'POST', '/_local/clock', 'x'.repeat(17 * 1024 * 1024));
    expect(big.status).toBe(413);
    expect(big.json.errCode).toBe('PAYLOAD_TOO_LARGE');
  });
});
