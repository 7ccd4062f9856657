/**
 * Conformance: the REAL wx-server-sdk 4.0.2 (node-sdk 3.17.2, @cloudbase/database
 * 1.4.3), unmodified, against the emulator core over HTTP on 127.0.0.1.
 */
import type { EmulatorCore } from '../../../scripts/emulator/core';
import { http, LOOPBACK, sdkError, startCore, useSdk, watchNetwork } from './helpers';

let emu: EmulatorCore;
let cloud: any;
let db: any;
let _: any;
let net: ReturnType<typeof watchNetwork>;

beforeAll(async () => {
  net = watchNetwork();
  emu = await startCore();
  ({ cloud, db } = useSdk(emu));
  _ = db.command;
  for (const c of ['orders', 'big', 'ops', 'agg', 'cas', 'tx', 'dates']) await db.createCollection(c);
});

afterAll(async () => {
  net.restore();
  await emu.close();
});

describe('collections', () => {
  test('createCollection twice fails; the collection is listed', async () => {
    await db.createCollection('twice');
    const err = await sdkError(db.createCollection('twice'));
    // wx-server-sdk does not map errors of createCollection/aggregate to numbers: errCode -1, text kept
    expect(err.errCode).toBe(-1);
    expect(String(err.message)).toMatch(/Table exist/);
    expect(await emu.db.collections()).toContain('twice');
  });

  test.each([
    ['get', () => db.collection('missing').get()],
    ['doc.get', () => db.collection('missing').doc('x').get()],
    ['add', () => db.collection('missing').add({ data: { a: 1 } })],
    [
      'update',
      () =>
        db
          .collection('missing')
          .where({ a: 1 })
          .update({ data: { a: 2 } }),
    ],
    ['count', () => db.collection('missing').count()],
    ['remove', () => db.collection('missing').where({ a: 1 }).remove()],
  ])('missing collection: %s reports -502005', async (_name, call) => {
    const err = await sdkError(call());
    expect(err.errCode).toBe(-502005);
    expect(String(err.errMsg)).toMatch(/not exist/);
  });

  test('missing collection: aggregate fails with the message (the SDK leaves errCode -1 there)', async () => {
    const err = await sdkError(db.collection('missing').aggregate().match({ a: 1 }).end());
    expect(err.errCode).toBe(-1);
    expect(String(err.message)).toMatch(/collection\.aggregate:fail .*Db or Table not exist: missing/);
  });
});

describe('add / get', () => {
  test('add with and without _id; get round-trips types (Dates stay Dates)', async () => {
    const at = new Date('2024-03-01T08:30:00.123Z');
    const r1 = await db.collection('orders').add({
      data: { _id: 'o1', buyer: 'u1', total: 12.5, qty: 3, paid: true, at, lines: [{ id: 'l1', at }], meta: { nested: { deep: null } } },
    });
    expect(r1._id).toBe('o1');
    const r2 = await db.collection('orders').add({ data: { buyer: 'u2', total: 3, qty: 1 } });
    expect(r2._id).toMatch(/^[0-9a-f]{32}$/);

    const { data } = await db.collection('orders').doc('o1').get();
    expect(data).toEqual({ _id: 'o1', buyer: 'u1', total: 12.5, qty: 3, paid: true, at, lines: [{ id: 'l1', at }], meta: { nested: { deep: null } } });
    expect(data.at).toBeInstanceOf(Date);
    expect(data.lines[0].at).toBeInstanceOf(Date);

    const other = await db.collection('orders').doc(r2._id).get();
    expect(other.data.buyer).toBe('u2');
  });

  test('doc.get of a missing document rejects', async () => {
    const err = await sdkError(db.collection('orders').doc('nope').get());
    expect(String(err.message ?? err)).toMatch(/does not exist/);
  });

  test('duplicate _id on add fails like E11000 (-502001) and changes nothing', async () => {
    await db.collection('orders').add({ data: { _id: 'dup', v: 1 } });
    const err = await sdkError(db.collection('orders').add({ data: { _id: 'dup', v: 2 } }));
    expect(err.errCode).toBe(-502001);
    expect(err.errMsg).toMatch(/E11000 duplicate key/);
    expect((await db.collection('orders').doc('dup').get()).data.v).toBe(1);
  });

  test('where / operators / order / skip / limit', async () => {
    const c = db.collection('ops');
    for (let i = 0; i < 10; i++) {
      await c.add({ data: { _id: `p${i}`, n: i, name: i % 2 ? `Odd-${i}` : `even-${i}`, g: i % 3, tags: i < 5 ? ['low'] : ['high'], sub: { k: i * 10 } } });
    }
    const gt = await c
      .where({ n: _.gt(6) })
      .orderBy('n', 'asc')
      .get();
    expect(gt.data.map((d: any) => d.n)).toEqual([7, 8, 9]);
    const inn = await c.where({ n: _.in([1, 3, 42]) }).get();
    expect(inn.data.map((d: any) => d._id).sort()).toEqual(['p1', 'p3']);
    const or = await c.where(_.or([{ n: 0 }, { n: 9 }])).get();
    expect(or.data).toHaveLength(2);
    const nested = await c.where({ sub: { k: 50 } }).get();
    expect(nested.data.map((d: any) => d._id)).toEqual(['p5']);
    const dotted = await c.where({ 'sub.k': _.gte(80) }).get();
    expect(dotted.data).toHaveLength(2);
    const re = await c.where({ name: db.RegExp({ regexp: '^odd', options: 'i' }) }).get();
    expect(re.data).toHaveLength(5);
    const arr = await c.where({ tags: 'high' }).count();
    expect(arr.total).toBe(5);
    const ordered = await c.orderBy('g', 'desc').orderBy('n', 'asc').skip(2).limit(3).get();
    expect(ordered.data.map((d: any) => d._id)).toEqual(['p8', 'p1', 'p4']);
    const and = await c
      .where({ g: 0, n: _.neq(0) })
      .orderBy('n', 'desc')
      .get();
    expect(and.data.map((d: any) => d.n)).toEqual([9, 6, 3]);
  });

  test('limit: 100 by default, 1000 at most (1200 documents)', async () => {
    await emu.db.insert(
      'big',
      Array.from({ length: 1200 }, (_v, i) => ({ _id: `b${String(i).padStart(4, '0')}`, i })),
    );
    const c = db.collection('big');
    expect((await c.get()).data).toHaveLength(100);
    expect((await c.limit(1000).get()).data).toHaveLength(1000);
    expect((await c.limit(5000).get()).data).toHaveLength(1000);
    const tail = await c.orderBy('i', 'asc').skip(1150).limit(100).get();
    expect(tail.data).toHaveLength(50);
    expect(tail.data[0].i).toBe(1150);
    expect((await c.count()).total).toBe(1200);
    // the server caps too, whatever a client sends
    const raw = await http(emu, 'POST', '/admin', { action: 'database.getDocument', collectionName: 'big', queryType: 'WHERE', limit: 5000 });
    expect(raw.json.data.list).toHaveLength(1000);
  });

  test('projection with field()', async () => {
    const inc = await db.collection('orders').doc('o1').field({ buyer: true, 'meta.nested': true }).get();
    expect(inc.data).toEqual({ _id: 'o1', buyer: 'u1', meta: { nested: { deep: null } } });
    const exc = await db.collection('orders').where({ _id: 'o1' }).field({ lines: false, meta: false, at: false }).get();
    expect(exc.data).toEqual([{ _id: 'o1', buyer: 'u1', total: 12.5, qty: 3, paid: true }]);
  });

  test('count with a query', async () => {
    expect(
      (
        await db
          .collection('ops')
          .where({ n: _.lt(4) })
          .count()
      ).total,
    ).toBe(4);
  });
});

describe('update / set / remove', () => {
  beforeEach(async () => {
    await emu.db.remove('orders', { _id: 'u' });
    await emu.db.insert('orders', [
      { _id: 'u', n: 1, f: 2, s: 'x', arr: [1, 2, 3], set: ['a'], pulls: [1, 2, 3, 2, 4], hi: 5, lo: 5, old: 'o', sub: { a: 1, b: 2 }, objs: [{ k: 1 }, { k: 2 }] },
    ]);
  });

  test('update operators through the SDK', async () => {
    const r = await db
      .collection('orders')
      .doc('u')
      .update({
        data: {
          n: _.inc(2),
          f: _.mul(3),
          s: _.remove(),
          arr: _.push({ each: [9, 8], position: 1 }),
          set: _.addToSet('b'),
          pulls: _.pull(2),
          hi: _.max(7),
          lo: _.min(3),
          old: _.rename('renamed'),
          sub: { c: 3 },
          objs: _.pull({ k: 1 }),
          added: new Date('2024-01-01T00:00:00Z'),
        },
      });
    expect(r.stats.updated).toBe(1);
    const { data } = await db.collection('orders').doc('u').get();
    expect(data).toEqual({
      _id: 'u',
      n: 3,
      f: 6,
      arr: [1, 9, 8, 2, 3],
      set: ['a', 'b'],
      pulls: [1, 3, 4],
      hi: 7,
      lo: 3,
      sub: { a: 1, b: 2, c: 3 },
      objs: [{ k: 2 }],
      renamed: 'o',
      added: new Date('2024-01-01T00:00:00Z'),
    });
  });

  test('more array operators: pullAll, push list, unshift, pop, shift, addToSet each', async () => {
    await db
      .collection('orders')
      .doc('u')
      .update({ data: { pulls: _.pullAll([2, 4]), arr: _.push([7]), set: _.addToSet({ $each: ['a', 'z', 'z'] }) } });
    await db
      .collection('orders')
      .doc('u')
      .update({ data: { arr: _.unshift(0) } });
    const { data } = await db.collection('orders').doc('u').get();
    expect(data.pulls).toEqual([1, 3]);
    expect(data.arr).toEqual([0, 1, 2, 3, 7]);
    expect(data.set).toEqual(['a', 'z']);
    await db
      .collection('orders')
      .doc('u')
      .update({ data: { arr: _.pop() } });
    await db
      .collection('orders')
      .doc('u')
      .update({ data: { pulls: _.shift() } });
    const after = (await db.collection('orders').doc('u').get()).data;
    expect(after.arr).toEqual([0, 1, 2, 3]);
    expect(after.pulls).toEqual([3]);
  });

  test('_.set replaces a sub-document; a nested object merges', async () => {
    await db
      .collection('orders')
      .doc('u')
      .update({ data: { sub: _.set({ only: true }) } });
    expect((await db.collection('orders').doc('u').get()).data.sub).toEqual({ only: true });
  });

  test('set() replaces the whole document (and upserts)', async () => {
    const r = await db
      .collection('orders')
      .doc('u')
      .set({ data: { fresh: 1 } });
    expect(r.stats).toEqual({ updated: 1, created: 0 });
    expect((await db.collection('orders').doc('u').get()).data).toEqual({ _id: 'u', fresh: 1 });
    const created = await db
      .collection('orders')
      .doc('u-new')
      .set({ data: { made: true } });
    expect(created.stats.created).toBe(1);
    expect((await db.collection('orders').doc('u-new').get()).data).toEqual({ _id: 'u-new', made: true });
  });

  test('where().update() is multi; unchanged documents do not count', async () => {
    await emu.db.insert('orders', [
      { _id: 'm1', grp: 'm', v: 0 },
      { _id: 'm2', grp: 'm', v: 0 },
      { _id: 'm3', grp: 'm', v: 5 },
    ]);
    const r = await db
      .collection('orders')
      .where({ grp: 'm' })
      .update({ data: { v: 5 } });
    expect(r.stats.updated).toBe(2);
    const none = await db
      .collection('orders')
      .where({ grp: 'zzz' })
      .update({ data: { v: 1 } });
    expect(none.stats.updated).toBe(0);
  });

  test('MongoDB checks: non-numeric $inc, conflicting paths, $push on a non-array are refused', async () => {
    const e1 = await sdkError(
      db
        .collection('orders')
        .doc('u')
        .update({ data: { s: _.inc(1) } }),
    );
    expect(e1.errCode).toBe(-502001);
    expect(e1.errMsg).toMatch(/non-numeric/);
    const e2 = await sdkError(
      db
        .collection('orders')
        .doc('u')
        .update({ data: { sub: _.inc(1), 'sub.a': 2 } }),
    );
    expect(e2.errCode).toBe(-502001);
    expect(e2.errMsg).toMatch(/conflict/);
    const e3 = await sdkError(
      db
        .collection('orders')
        .doc('u')
        .update({ data: { n: _.push(1) } }),
    );
    expect(e3.errMsg).toMatch(/must be an array/);
    // nothing changed
    expect((await db.collection('orders').doc('u').get()).data.n).toBe(1);
  });

  test('changing _id is refused by the server', async () => {
    const res = await http(emu, 'POST', '/admin', {
      action: 'database.modifyDocument',
      collectionName: 'orders',
      queryType: 'DOC',
      query: JSON.stringify({ _id: 'u' }),
      data: JSON.stringify({ $set: { _id: 'other' } }),
      multi: false,
      merge: true,
    });
    expect(res.status).toBe(200);
    expect(res.json.code).toBe('DATABASE_REQUEST_FAILED');
    expect(res.json.message).toMatch(/immutable field '_id'/);
    const replace = await http(emu, 'POST', '/admin', {
      action: 'database.modifyDocument',
      collectionName: 'orders',
      queryType: 'DOC',
      query: JSON.stringify({ _id: 'u' }),
      data: JSON.stringify({ _id: 'other', a: 1 }),
      multi: false,
      merge: false,
    });
    expect(replace.json.code).toBe('DATABASE_REQUEST_FAILED');
    expect(await emu.db.find('orders', { _id: 'other' })).toHaveLength(0);
  });

  test('modifyAndReturnDoc returns the updated document', async () => {
    const res = await http(emu, 'POST', '/admin', {
      action: 'database.modifyAndReturnDoc',
      collectionName: 'orders',
      queryType: 'WHERE',
      query: JSON.stringify({ _id: 'u' }),
      data: JSON.stringify({ $inc: { n: { $numberInt: '5' } } }),
    });
    expect(res.json.data.updated).toBe(1);
    expect(JSON.parse(res.json.data.doc).n).toEqual({ $numberInt: '6' });
  });

  test('remove: doc and where (multi)', async () => {
    await emu.db.insert('orders', [
      { _id: 'r1', grp: 'r' },
      { _id: 'r2', grp: 'r' },
      { _id: 'r3', grp: 'r' },
    ]);
    const one = await db.collection('orders').doc('r1').remove();
    expect(one.stats.removed).toBe(1);
    const many = await db.collection('orders').where({ grp: 'r' }).remove();
    expect(many.stats.removed).toBe(2);
    expect((await db.collection('orders').where({ grp: 'r' }).count()).total).toBe(0);
  });
});

describe('aggregate', () => {
  beforeAll(async () => {
    await emu.db.insert('agg', [
      { _id: 'a1', shop: 's1', amount: 10, items: ['x', 'y'] },
      { _id: 'a2', shop: 's1', amount: 5, items: ['y'] },
      { _id: 'a3', shop: 's2', amount: 7, items: [] },
      { _id: 'a4', shop: 's3', amount: 1, items: ['z'] },
    ]);
  });

  test('match / group / sort / project', async () => {
    const $ = db.command.aggregate;
    const r = await db
      .collection('agg')
      .aggregate()
      .match({ amount: _.gt(1) })
      .group({ _id: '$shop', total: $.sum('$amount'), n: $.sum(1) })
      .sort({ total: -1 })
      .project({ _id: 0, shop: '$_id', total: 1, n: 1 })
      .end();
    expect(r.list).toEqual([
      { shop: 's1', total: 15, n: 2 },
      { shop: 's2', total: 7, n: 1 },
    ]);
  });

  test('unwind / skip / limit / count', async () => {
    const unwound = await db.collection('agg').aggregate().unwind('$items').sort({ _id: 1, items: 1 }).skip(1).limit(2).end();
    expect(unwound.list.map((d: any) => `${d._id}:${d.items}`)).toEqual(['a1:y', 'a2:y']);
    const counted = await db.collection('agg').aggregate().match({ shop: 's1' }).count('n').end();
    expect(counted.list).toEqual([{ n: 2 }]);
  });
});

describe('serverDate and the virtual clock', () => {
  test('db.serverDate() is the emulator clock, also after advancing it', async () => {
    const before = emu.clock.now();
    await db.collection('dates').add({ data: { _id: 'd1', at: db.serverDate() } });
    const first = (await db.collection('dates').doc('d1').get()).data.at as Date;
    expect(first).toBeInstanceOf(Date);
    expect(first.getTime()).toBeGreaterThanOrEqual(before);
    expect(first.getTime()).toBeLessThanOrEqual(emu.clock.now());

    const tenDays = 10 * 24 * 3600 * 1000;
    const res = await http(emu, 'POST', '/_local/clock', { advanceMs: tenDays });
    expect(res.status).toBe(200);
    const t0 = emu.clock.now();
    await db
      .collection('dates')
      .doc('d1')
      .update({ data: { at: db.serverDate(), later: db.serverDate({ offset: 3600_000 }) } });
    const { data } = await db.collection('dates').doc('d1').get();
    expect(data.at.getTime()).toBeGreaterThanOrEqual(t0);
    expect(data.at.getTime() - first.getTime()).toBeGreaterThanOrEqual(tenDays);
    expect(data.later.getTime() - data.at.getTime()).toBe(3600_000);
    // real time is far behind the virtual "now"
    expect(data.at.getTime() - Date.now()).toBeGreaterThan(tenDays - 60_000);
  });

  test('serverDate inside a query', async () => {
    await emu.db.insert('dates', [
      { _id: 'past', deadline: new Date(emu.clock.now() - 1000) },
      { _id: 'future', deadline: new Date(emu.clock.now() + 3600_000) },
    ]);
    const due = await db
      .collection('dates')
      .where({ deadline: _.lt(db.serverDate()) })
      .get();
    expect(due.data.map((d: any) => d._id)).toEqual(['past']);
  });
});

describe('compare-and-set', () => {
  test('where({_id, version}).update: updated 1, then 0', async () => {
    await db.collection('cas').add({ data: { _id: 'c1', version: 1, status: 'OPEN' } });
    const first = await db
      .collection('cas')
      .where({ _id: 'c1', version: 1 })
      .update({ data: { version: 2, status: 'DONE' } });
    expect(first.stats.updated).toBe(1);
    const second = await db
      .collection('cas')
      .where({ _id: 'c1', version: 1 })
      .update({ data: { version: 2, status: 'AGAIN' } });
    expect(second.stats.updated).toBe(0);
    expect((await db.collection('cas').doc('c1').get()).data.status).toBe('DONE');
  });

  test('20 concurrent CAS on one document: exactly one wins', async () => {
    await db.collection('cas').add({ data: { _id: 'c20', version: 0, owner: null } });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_v, i) =>
        db
          .collection('cas')
          .where({ _id: 'c20', version: 0 })
          .update({ data: { version: _.inc(1), owner: `w${i}` } }),
      ),
    );
    const winners = results.map((r: any, i: number) => (r.stats.updated === 1 ? i : -1)).filter((i) => i >= 0);
    expect(winners).toHaveLength(1);
    const { data } = await db.collection('cas').doc('c20').get();
    expect(data.version).toBe(1);
    expect(data.owner).toBe(`w${winners[0]}`);
  });

  test('create-if-absent: 10 concurrent adds with one _id, exactly one succeeds', async () => {
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_v, i) => db.collection('cas').add({ data: { _id: 'lock-1', by: i } })));
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    for (const s of settled) if (s.status === 'rejected') expect((s.reason as { errCode?: number }).errCode).toBe(-502001);
  });
});

describe('transactions', () => {
  beforeEach(async () => {
    await emu.db.remove('tx', {});
    await emu.db.insert('tx', [
      { _id: 'acc-a', balance: 100 },
      { _id: 'acc-b', balance: 0 },
    ]);
  });

  test('runTransaction commits reads and writes; returns the callback value', async () => {
    const out = await db.runTransaction(async (t: any) => {
      const a = (await t.collection('tx').doc('acc-a').get()).data;
      await t
        .collection('tx')
        .doc('acc-a')
        .update({ data: { balance: a.balance - 30 } });
      await t
        .collection('tx')
        .doc('acc-b')
        .update({ data: { balance: _.inc(30) } });
      await t.collection('tx').add({ data: { _id: 'log-1', amount: 30 } });
      await t
        .collection('tx')
        .doc('acc-c')
        .set({ data: { balance: 1 } });
      // the transaction sees its own writes
      expect((await t.collection('tx').doc('acc-a').get()).data.balance).toBe(70);
      // others do not, before commit
      expect((await emu.db.find('tx', { _id: 'acc-a' }))[0].balance).toBe(100);
      return 'done';
    });
    expect(out).toBe('done');
    const docs = Object.fromEntries((await emu.db.find('tx', {})).map((d) => [d._id, d]));
    expect(docs['acc-a'].balance).toBe(70);
    expect(docs['acc-b'].balance).toBe(30);
    expect(docs['log-1'].amount).toBe(30);
    expect(docs['acc-c'].balance).toBe(1);
  });

  test('a throw inside runTransaction rolls everything back', async () => {
    const err = await sdkError(
      db.runTransaction(async (t: any) => {
        await t
          .collection('tx')
          .doc('acc-a')
          .update({ data: { balance: 0 } });
        await t.collection('tx').add({ data: { _id: 'log-x' } });
        await t.collection('tx').doc('acc-b').remove();
        throw new Error('business says no');
      }),
    );
    expect(String(err.message)).toMatch(/business says no/);
    const docs = await emu.db.find('tx', {});
    expect(docs.map((d) => d._id).sort()).toEqual(['acc-a', 'acc-b']);
    expect(docs.find((d) => d._id === 'acc-a')!.balance).toBe(100);
  });

  test('t.rollback(reason) aborts with that reason', async () => {
    const err = await sdkError(
      db.runTransaction(async (t: any) => {
        await t
          .collection('tx')
          .doc('acc-a')
          .update({ data: { balance: 1 } });
        await t.rollback('nope');
      }),
    );
    expect(err).toBe('nope');
    expect((await emu.db.find('tx', { _id: 'acc-a' }))[0].balance).toBe(100);
  });

  test('conflict: a write between read and commit fails the commit; runTransaction retries', async () => {
    let attempts = 0;
    await db.runTransaction(async (t: any) => {
      attempts++;
      const a = (await t.collection('tx').doc('acc-a').get()).data;
      if (attempts === 1) {
        // someone else writes the same document meanwhile
        await db
          .collection('tx')
          .doc('acc-a')
          .update({ data: { balance: _.inc(1) } });
      }
      await t
        .collection('tx')
        .doc('acc-a')
        .update({ data: { balance: a.balance + 10 } });
    });
    expect(attempts).toBe(2);
    // 100 + 1 (outside) + 10 (second attempt, which read 101)
    expect((await emu.db.find('tx', { _id: 'acc-a' }))[0].balance).toBe(111);
  });

  test('startTransaction: commit reports DATABASE_TRANSACTION_CONFLICT and writes nothing', async () => {
    const t = await db.startTransaction();
    const b = (await t.collection('tx').doc('acc-b').get()).data;
    await t
      .collection('tx')
      .doc('acc-b')
      .update({ data: { balance: b.balance + 5 } });
    await t
      .collection('tx')
      .doc('acc-a')
      .update({ data: { balance: 0 } });
    await db
      .collection('tx')
      .doc('acc-b')
      .update({ data: { touched: true } });
    let err: any;
    try {
      await t.commit();
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe('DATABASE_TRANSACTION_CONFLICT');
    const docs = Object.fromEntries((await emu.db.find('tx', {})).map((d) => [d._id, d]));
    expect(docs['acc-a'].balance).toBe(100);
    expect(docs['acc-b']).toEqual({ _id: 'acc-b', balance: 0, touched: true });
  });

  test('add inside a transaction of an existing _id fails', async () => {
    const err = await sdkError(
      db.runTransaction(async (t: any) => {
        await t.collection('tx').add({ data: { _id: 'acc-a', balance: 1 } });
      }),
    );
    expect(JSON.stringify(err.errMsg ?? err.message ?? err)).toMatch(/E11000/);
    expect((await emu.db.find('tx', { _id: 'acc-a' }))[0].balance).toBe(100);
  });
});

describe('storage', () => {
  test('uploadFile → getTempFileURL → fetch → downloadFile → deleteFile', async () => {
    const content = Buffer.from('JPEG-ish bytes \u0000\u0001\u00ff', 'latin1');
    const up = await cloud.uploadFile({ cloudPath: 'evidence/test-openid/photo 1.jpg', fileContent: content });
    expect(up.fileID).toMatch(/^cloud:\/\/local-env\.[0-9a-f]+-local-env-\d+\/evidence\/test-openid\/photo 1\.jpg$/);

    const info = await emu.storage.stat(up.fileID);
    expect(info).toMatchObject({ size: content.length, contentType: 'image/jpeg', cloudPath: 'evidence/test-openid/photo 1.jpg' });

    const urls = await cloud.getTempFileURL({ fileList: [up.fileID, `${up.fileID}.missing`] });
    expect(urls.fileList[0].status).toBe(0);
    expect(urls.fileList[1].status).toBe(-503003);
    const tempURL: string = urls.fileList[0].tempFileURL;
    expect(new URL(tempURL).hostname).toBe('127.0.0.1');
    const res = await fetch(encodeURI(tempURL));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(content)).toBe(true);

    const dl = await cloud.downloadFile({ fileID: up.fileID });
    expect(Buffer.from(dl.fileContent).equals(content)).toBe(true);

    const del = await cloud.deleteFile({ fileList: [up.fileID, 'cloud://local-env.x/none'] });
    expect(del.fileList.map((f: any) => f.status)).toEqual([0, -503003]);
    expect(await emu.storage.stat(up.fileID)).toBeUndefined();
    expect((await fetch(encodeURI(tempURL))).status).toBe(404);
  });

  test('uploading to the same cloudPath replaces the file', async () => {
    await cloud.uploadFile({ cloudPath: 'x/same.txt', fileContent: Buffer.from('one') });
    const up = await cloud.uploadFile({ cloudPath: 'x/same.txt', fileContent: Buffer.from('second') });
    const got = await emu.storage.read(up.fileID);
    expect(got!.content.toString()).toBe('second');
    expect(got!.info.contentType).toBe('text/plain');
  });
});

describe('wire', () => {
  test('an unknown action is an SDK-visible error, HTTP 200 with a code', async () => {
    const res = await http(emu, 'POST', '/admin?env=local-env&seqId=1', { action: 'database.nonsense', collectionName: 'x' });
    expect(res.status).toBe(200);
    expect(res.json.code).toBe('INVALID_ACTION');
    expect(typeof res.json.message).toBe('string');
  });

  test('the SDK never contacts a non-loopback host (no metadata probe, no cloud endpoint)', () => {
    expect(net.hosts.length).toBeGreaterThan(10);
    const foreign = net.hosts.filter((h) => !LOOPBACK.has(h));
    expect(foreign).toEqual([]);
    const foreignLookups = net.lookups.filter((h) => !LOOPBACK.has(h));
    expect(foreignLookups).toEqual([]);
  });
});
