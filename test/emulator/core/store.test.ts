/** The document store on its own: MongoDB checks, unique indexes, batching, wire helpers. */
import { decodeEJSON, decodeRelaxed, encodeEJSON, encodeRelaxed } from '../../../scripts/emulator/db/ejson';
import { DbError } from '../../../scripts/emulator/db/errors';
import { DocStore, type LogOp } from '../../../scripts/emulator/db/store';
import { TransactionManager } from '../../../scripts/emulator/db/transactions';
import { Router } from '../../../scripts/emulator/http/router';
import { parseMultipart } from '../../../scripts/emulator/admin/multipart';

function storeWith(docs: Record<string, any>[] = [], name = 'c'): DocStore {
  const s = new DocStore();
  s.createCollection(name);
  if (docs.length) s.insert(name, docs);
  return s;
}

function dbErr(fn: () => unknown): DbError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DbError) return e;
    throw e;
  }
  throw new Error('expected a DbError');
}

describe('update checks MongoDB makes', () => {
  const base = { _id: 'd', a: 1, s: 'str', arr: [1], sub: { x: 1 } };

  test.each([
    [{ $set: { a: 2 }, $inc: { a: 1 } }, /conflict at 'a'/],
    [{ $set: { sub: {} }, $inc: { 'sub.x': 1 } }, /conflict at 'sub'/],
    [{ $rename: { a: 'b' }, $set: { b: 1 } }, /conflict/],
    [{ $set: { _id: 'other' } }, /immutable field '_id'/],
    [{ $unset: { _id: '' } }, /immutable field '_id'/],
    [{ $rename: { a: '_id' } }, /immutable field '_id'/],
    [{ $inc: { s: 1 } }, /non-numeric/],
    [{ $inc: { a: 'x' } }, /non-numeric argument/],
    [{ $push: { a: 1 } }, /must be an array/],
    [{ $set: { 'a.b': 1 } }, /Cannot create field 'b'/],
    [{ $frobnicate: { a: 1 } }, /Unknown modifier/],
  ])('%j is refused', (update, msg) => {
    const s = storeWith([base]);
    // biome-ignore lint/plugin/no-as-any: refused updates are malformed on purpose: they cannot have the update type
    const e = dbErr(() => s.update('c', { _id: 'd' }, update as any));
    expect(e.code).toBe('DATABASE_REQUEST_FAILED');
    expect(e.message).toMatch(msg);
    expect(s.getById('c', 'd')).toEqual(base);
  });

  test('$set of _id to the same value is allowed (MongoDB allows it)', () => {
    const s = storeWith([base]);
    expect(s.update('c', { _id: 'd' }, { $set: { _id: 'd', a: 5 } }).modified).toBe(1);
  });

  test('a multi-update is all or nothing', () => {
    const s = storeWith([
      { _id: 1, v: 1 },
      { _id: 2, v: 'two' },
      { _id: 3, v: 3 },
    ]);
    expect(() => s.update('c', {}, { $inc: { v: 1 } }, { multi: true })).toThrow(/non-numeric/);
    expect(s.find('c', {}).map((d) => d.v)).toEqual([1, 'two', 3]);
  });

  test('positional paths use the query ($, $[])', () => {
    const s = storeWith([
      {
        _id: 1,
        items: [
          { k: 1, v: 0 },
          { k: 2, v: 0 },
        ],
      },
    ]);
    s.update('c', { _id: 1, 'items.k': 2 }, { $set: { 'items.$.v': 9 } });
    expect(s.getById('c', 1)!.items).toEqual([
      { k: 1, v: 0 },
      { k: 2, v: 9 },
    ]);
    s.update('c', { _id: 1 }, { $inc: { 'items.$[].v': 1 } });
    expect(s.getById('c', 1)!.items).toEqual([
      { k: 1, v: 1 },
      { k: 2, v: 10 },
    ]);
  });

  test('a multi-update applies the same values to every document without sharing them', () => {
    const s = storeWith([
      { _id: 1, g: 1, list: [] },
      { _id: 2, g: 1, list: [] },
    ]);
    s.update('c', { g: 1 }, { $push: { list: { n: 1 } } }, { multi: true });
    s.update('c', { _id: 1 }, { $set: { 'list.0.n': 5 } });
    expect(s.getById('c', 2)!.list).toEqual([{ n: 1 }]);
  });

  test('upsert builds the document from the query equalities', () => {
    const s = storeWith();
    const r = s.update('c', { _id: 'u1', kind: 'x', n: { $gt: 1 } }, { $set: { v: 1 }, $setOnInsert: { created: true } }, { upsert: true });
    expect(r.upsertedId).toBe('u1');
    expect(s.getById('c', 'u1')).toEqual({ _id: 'u1', kind: 'x', v: 1, created: true });
    s.update('c', { _id: 'u1' }, { $set: { v: 2 }, $setOnInsert: { created: false } }, { upsert: true });
    expect(s.getById('c', 'u1')).toEqual({ _id: 'u1', kind: 'x', v: 2, created: true });
  });
});

describe('ids, inserts, queries', () => {
  test('1 and "1" are different _ids', () => {
    const s = storeWith([
      { _id: 1, t: 'num' },
      { _id: '1', t: 'str' },
    ]);
    expect(s.find('c', { _id: 1 })).toEqual([{ _id: 1, t: 'num' }]);
    expect(s.find('c', { _id: '1' })).toEqual([{ _id: '1', t: 'str' }]);
    expect(s.find('c', { _id: { $in: [1, '1', 2] } })).toHaveLength(2);
  });

  test('an insert batch with a duplicate inserts nothing', () => {
    const s = storeWith([{ _id: 'a' }]);
    expect(() => s.insert('c', [{ _id: 'b' }, { _id: 'a' }])).toThrow(/E11000/);
    expect(() => s.insert('c', [{ _id: 'x' }, { _id: 'x' }])).toThrow(/E11000/);
    expect(s.count('c', {})).toBe(1);
  });

  test('stored documents are isolated from callers', () => {
    const s = storeWith();
    const doc = { _id: 'i', list: [1] };
    s.insert('c', [doc]);
    doc.list.push(2);
    expect(s.getById('c', 'i')).toEqual({ _id: 'i', list: [1] });
  });

  test('sort follows MongoDB type order (missing/null first ascending)', () => {
    const s = storeWith([{ _id: 1, v: 'b' }, { _id: 2, v: 3 }, { _id: 3 }, { _id: 4, v: 'a' }, { _id: 5, v: 1 }]);
    expect(s.find('c', {}, { sort: { v: 1 } }).map((d) => d._id)).toEqual([3, 5, 2, 4, 1]);
    expect(s.find('c', {}, { sort: { v: -1 }, limit: 2 }).map((d) => d._id)).toEqual([1, 4]);
  });

  test('aggregate $lookup across collections', () => {
    const s = storeWith([{ _id: 'r1', orderId: 'o1' }], 'returns');
    s.createCollection('orders');
    s.insert('orders', [{ _id: 'o1', total: 9 }]);
    const out = s.aggregate('returns', [{ $lookup: { from: 'orders', localField: 'orderId', foreignField: '_id', as: 'order' } }]);
    expect(out).toEqual([{ _id: 'r1', orderId: 'o1', order: [{ _id: 'o1', total: 9 }] }]);
    expect(() => s.aggregate('returns', [{ $out: 'x' }])).toThrow(/not supported/);
    expect(() => s.aggregate('returns', [{ $lookup: { from: 'nope', localField: 'a', foreignField: 'b', as: 'c' } }])).toThrow(/not exist/);
  });

  test('a last $limit after $match and $lookup takes the first n, as mingo does (an invalid one is refused as before)', () => {
    const s = storeWith(
      [
        { _id: 'r1', orderId: 'o1' },
        { _id: 'r2', orderId: 'o1' },
        { _id: 'r3', orderId: 'o2' },
      ],
      'returns',
    );
    s.createCollection('orders');
    s.insert('orders', [{ _id: 'o1', total: 9 }]);
    const lookup = { $lookup: { from: 'orders', localField: 'orderId', foreignField: '_id', as: 'order' } };
    const all = s.aggregate('returns', [{ $match: {} }, lookup]);
    for (const n of [1, 2, 3, 5]) {
      const limited = s.aggregate('returns', [{ $match: {} }, lookup, { $limit: n }]);
      expect(limited).toEqual(all.slice(0, n));
      // the same as mingo's $limit behind another stage it runs
      expect(s.aggregate('returns', [{ $match: {} }, lookup, { $addFields: {} }, { $limit: n }])).toEqual(limited);
    }
    expect(() => s.aggregate('returns', [{ $limit: -1 }])).toThrow();
  });
});

describe('unique indexes (ensureIndex)', () => {
  test('inserts, updates and transactions cannot duplicate; the key frees on change', () => {
    const s = storeWith([{ _id: 1, code: 'A' }, { _id: 2, code: 'B' }, { _id: 3 }]);
    s.ensureIndex('c', ['code'], true);
    expect(() => s.insert('c', [{ _id: 4, code: 'A' }])).toThrow(/index: code_1 dup key/);
    expect(() => s.update('c', { _id: 2 }, { $set: { code: 'A' } })).toThrow(/E11000/);
    // documents without the field are not indexed (sparse)
    s.insert('c', [{ _id: 5 }]);
    // swapping in one batch is fine
    s.applyWrites([
      { collection: 'c', id: 1, doc: { _id: 1, code: 'B' } },
      { collection: 'c', id: 2, doc: { _id: 2, code: 'A' } },
    ]);
    s.update('c', { _id: 1 }, { $set: { code: 'Z' } });
    s.insert('c', [{ _id: 6, code: 'B' }]);
    const txns = new TransactionManager(s);
    const t = txns.start();
    txns.insert(t, 'c', { _id: 7, code: 'Z' });
    expect(() => txns.commit(t)).toThrow(/E11000/);
    expect(s.getById('c', 7)).toBeUndefined();
  });

  test('declaring a unique index over duplicates fails', () => {
    const s = storeWith([
      { _id: 1, k: 1 },
      { _id: 2, k: 1 },
    ]);
    expect(() => s.ensureIndex('c', ['k'], true)).toThrow(/E11000/);
  });
});

describe('journal batches', () => {
  test('one batch per store call (a multi-update is one line on disk)', () => {
    const s = storeWith([
      { _id: 1, g: 1 },
      { _id: 2, g: 1 },
      { _id: 3, g: 2 },
    ]);
    const batches: LogOp[][] = [];
    s.journal = (ops) => batches.push(ops);
    s.update('c', { g: 1 }, { $set: { seen: true } }, { multi: true });
    s.remove('c', {}, { multi: true });
    s.update('c', { g: 9 }, { $set: { x: 1 } }, { multi: true }); // no match: nothing
    expect(batches).toHaveLength(2);
    expect(batches[0].map((o) => o[0])).toEqual(['put', 'put']);
    expect(batches[1].map((o) => o[0])).toEqual(['del', 'del', 'del']);
  });

  test('replay rebuilds the same state', () => {
    const s = storeWith([{ _id: 1, at: new Date(5) }]);
    s.ensureIndex('c', ['u'], true);
    s.insert('c', [{ _id: 2, u: 'x' }]);
    const copy = new DocStore();
    copy.replay([...s.dump()]);
    expect(copy.find('c', {})).toEqual(s.find('c', {}));
    expect(() => copy.insert('c', [{ _id: 3, u: 'x' }])).toThrow(/E11000/);
  });
});

describe('wire helpers', () => {
  test('EJSON: canonical out, Dates/regex/serverDate in', () => {
    const now = () => 1_000_000;
    expect(encodeEJSON({ n: 1, f: 1.5, d: new Date(0) })).toBe('{"n":{"$numberInt":"1"},"f":{"$numberDouble":"1.5"},"d":{"$date":{"$numberLong":"0"}}}');
    const q = decodeEJSON('{"name":{"$regularExpression":{"pattern":"^a","options":"ix"}},"at":{"$tcb_server_date":{"offset":{"$numberInt":"-500"}}}}', now);
    expect(q.name).toBeInstanceOf(RegExp);
    expect(q.name.flags).toBe('i');
    expect(q.at).toEqual(new Date(999_500));
  });

  test('disk codec round-trips Dates (any year), NaN, RegExp, nested arrays', () => {
    const v = {
      a: new Date('2024-01-01T00:00:00.123Z'),
      old: new Date(-1000),
      far: new Date('+012345-01-01T00:00:00Z'),
      n: NaN,
      inf: -Infinity,
      re: /x.y/gi,
      nest: [[1, { d: new Date(7) }]],
      s: '$date',
    };
    const back = decodeRelaxed(encodeRelaxed(v));
    expect(back).toEqual(v);
    expect(back.nest[0][1].d).toBeInstanceOf(Date);
    // files written by bson's EJSON (relaxed) read the same
    expect(decodeRelaxed('{"d":{"$date":{"$numberLong":"5"}},"l":{"$numberLong":"9007199254740991"}}')).toEqual({ d: new Date(5), l: 9007199254740991 });
  });

  test('router: static beats :param beats *; HEAD uses GET routes', () => {
    const r = new Router();
    const h = (tag: string) => async () => ({ status: 200, json: tag });
    r.add('GET', '/a/*', h('rest'));
    r.add('GET', '/a/:x', h('param'));
    r.add('GET', '/a/b', h('static'));
    const pick = (p: string, m = 'GET') => {
      const x = r.match(m, p);
      return x && 'handler' in x ? x : undefined;
    };
    expect(pick('/a/b')!.pattern).toBe('/a/b');
    expect(pick('/a/c')!.params).toEqual({ x: 'c' });
    expect(pick('/a/c/d/e')!.params).toEqual({ '*': 'c/d/e' });
    expect(pick('/a/b', 'HEAD')!.pattern).toBe('/a/b');
    expect(r.match('POST', '/a/b')).toEqual({ allowed: ['GET'] });
    expect(r.match('GET', '/zzz')).toBeUndefined();
  });

  test('multipart: text fields and binary parts', () => {
    const b = 'XyZ';
    const body = Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="action"\r\n\r\nwx.openApi\r\n`),
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="empty"\r\n\r\n\r\n`),
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="requestData"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      Buffer.from([13, 10, 0, 255, 45, 45]),
      Buffer.from(`\r\n--${b}--\r\n`),
    ]);
    const r = parseMultipart(body, b);
    expect(r.fields).toEqual({ action: 'wx.openApi', empty: '' });
    expect([...r.files.requestData]).toEqual([13, 10, 0, 255, 45, 45]);
  });
});

describe('the write sequence (what writesNothing() of the function tests reads)', () => {
  test('moves on with every changed document, never with a write that changes nothing', () => {
    const s = storeWith([{ _id: 'a', n: 1 }]);
    s.createCollection('other');
    const start = s.writeSeq();
    expect(s.writtenSince(start)).toEqual([]);
    // changes nothing: an update to the same value, an update matching nothing, a remove matching nothing, a put of the same document
    s.update('c', { _id: 'a' }, { $set: { n: 1 } });
    s.update('c', { _id: 'zzz' }, { $set: { n: 2 } });
    s.remove('c', { _id: 'zzz' });
    s.applyWrites([{ collection: 'c', id: 'a', doc: { _id: 'a', n: 1 } }]);
    expect(s.writeSeq()).toBe(start);
    expect(s.writtenSince(start)).toEqual([]);
    // each kind of change shows, oldest first, in the collection it changed
    s.update('c', { _id: 'a' }, { $set: { n: 2 } });
    s.insert('other', [{ _id: 'b' }]);
    s.applyWrites([{ collection: 'other', id: 'x', doc: { _id: 'x' } }]);
    const mid = s.writeSeq();
    s.remove('other', { _id: 'b' });
    expect(s.writtenSince(start)).toEqual(['c/a', 'other/x', 'other/b']);
    expect(s.writtenSince(mid)).toEqual(['other/b']);
    expect(s.writeSeq()).toBeGreaterThan(mid);
    // a drop takes its documents' versions with it: the drop itself is reported
    const beforeDrop = s.writeSeq();
    s.dropCollection('other');
    expect(s.writtenSince(beforeDrop)).toEqual(['other/*']);
    expect(s.writtenSince(start)).toEqual(['c/a', 'other/*']);
    // dropping an empty collection changes no document
    s.createCollection('empty');
    const beforeEmpty = s.writeSeq();
    s.dropCollection('empty');
    expect(s.writtenSince(beforeEmpty)).toEqual([]);
  });
});
