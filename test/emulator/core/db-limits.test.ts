/**
 * Database limits the emulator enforces by default, through the REAL
 * wx-server-sdk (docs/platform-limits.md, "Cloud database"): field names,
 * nesting depth, document size, what a transaction may do, indexes per
 * collection. (`limit` 100 by default / 1000 at most: sdk-conformance.test.ts.)
 */
import type { EmulatorCore } from '../../../scripts/emulator/core';
import { createEmulator, type LocalEmulator } from '../../../scripts/emulator';
import { MAX_INDEXES_PER_COLLECTION } from '../../../scripts/emulator/limits';
import { sdkError, startCore, tmpDir, useSdk } from './helpers';
import path from 'node:path';

jest.setTimeout(60_000);

let emu: EmulatorCore;
let db: any;
let _: any;

beforeAll(async () => {
  emu = await startCore({ persist: false });
  ({ db } = useSdk(emu));
  _ = db.command;
  for (const c of ['names', 'deep', 'size', 'tx']) await db.createCollection(c);
});

afterAll(async () => {
  await emu.close();
});

function nested(levels: number): any {
  // levels counts the stored document itself: nested(1) = {}
  let v: any = { leaf: 1 };
  for (let i = 1; i < levels; i++) v = { n: v };
  return v;
}

describe('field names', () => {
  test('a key with a dot is refused on add and on set, at any depth (-502001 "dotted field")', async () => {
    const top = await sdkError(db.collection('names').add({ data: { _id: 'd1', 'L1.2': 1 } }));
    expect(top.errCode).toBe(-502001);
    expect(top.errMsg).toMatch(/dotted field 'L1\.2'/);
    const deep = await sdkError(db.collection('names').add({ data: { _id: 'd2', afterSale: { 'L1.2': { qty: 1 } } } }));
    expect(deep.errMsg).toMatch(/dotted field 'L1\.2' in 'afterSale\.L1\.2'/);
    const inArray = await sdkError(db.collection('names').add({ data: { _id: 'd3', lines: [{ 'a.b': 1 }] } }));
    expect(inArray.errMsg).toMatch(/dotted field 'a\.b' in 'lines\.0\.a\.b'/);
    await db.collection('names').add({ data: { _id: 'd4', v: 1 } });
    const set = await sdkError(
      db
        .collection('names')
        .doc('d4')
        .set({ data: { m: { 'x.y': 1 } } }),
    );
    expect(set.errMsg).toMatch(/dotted field/);
    expect(
      (
        await db
          .collection('names')
          .where({ _id: _.in(['d1', 'd2', 'd3']) })
          .count()
      ).total,
    ).toBe(0);
  });

  test('update(): the SDK turns a dotted key into a path — the map key is split into nested fields, silently', async () => {
    await db.collection('names').add({ data: { _id: 'u1', afterSale: {} } });
    await db
      .collection('names')
      .doc('u1')
      .update({ data: { afterSale: { 'L1.2': { qty: 1 } } } });
    const { data } = await db.collection('names').doc('u1').get();
    expect(data.afterSale).toEqual({ L1: { 2: { qty: 1 } } });
    expect(data.afterSale['L1.2']).toBeUndefined();
  });

  test('a key starting with $ is refused at any depth; $ elsewhere in a key is allowed', async () => {
    const err = await sdkError(db.collection('names').add({ data: { _id: 'p1', m: { $x: 1 } } }));
    expect(err.errCode).toBe(-502001);
    expect(err.errMsg).toMatch(/dollar \(\$\) prefixed field '\$x' in 'm\.\$x'/);
    await db.collection('names').add({ data: { _id: 'p2', m: { a$b: 1, 'L-1_x': 2, 行1: 3 } } });
    expect((await db.collection('names').doc('p2').get()).data.m).toEqual({ a$b: 1, 'L-1_x': 2, 行1: 3 });
  });
});

describe('nesting depth and document size', () => {
  test('100 levels are stored; 101 are refused, on add and through update', async () => {
    await db.collection('deep').add({ data: { _id: 'ok', ...nested(100) } });
    const err = await sdkError(db.collection('deep').add({ data: { _id: 'no', ...nested(101) } }));
    expect(err.errCode).toBe(-502001);
    expect(err.errMsg).toMatch(/maximum nesting depth of 100/);
    const viaUpdate = await sdkError(
      db
        .collection('deep')
        .doc('ok')
        .update({ data: { extra: _.set(nested(100)) } }),
    );
    expect(viaUpdate.errMsg).toMatch(/maximum nesting depth of 100/);
  });

  test('a 5,000-deep document, query or seed gets a clean refusal, not a stack overflow', async () => {
    const deep = '{"a":'.repeat(5000) + '{}' + '}'.repeat(5000);
    const admin = async (body: Record<string, unknown>) =>
      (await fetch(`${emu.url}/admin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    const add = await admin({ action: 'database.insertDocument', collectionName: 'deep', data: [deep] });
    expect(add).toMatchObject({ code: 'DATABASE_REQUEST_FAILED', message: '[FailedOperation] data is nested deeper than the maximum of 100 levels' });
    const get = await admin({ action: 'database.getDocument', collectionName: 'deep', queryType: 'WHERE', query: deep });
    expect(get.code).toBe('DATABASE_REQUEST_FAILED');
    const seed = await fetch(`${emu.url}/_local/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"deep":[${deep}]}` });
    expect(seed.status).toBe(400);
    expect(JSON.stringify(await seed.json())).not.toMatch(/call stack/);
  });

  test('a document over 16 MB is refused; nothing is written', async () => {
    const err = await sdkError(db.collection('size').add({ data: { _id: 'huge', blob: 'x'.repeat(16 * 1024 * 1024 + 10) } }));
    expect(err.errCode).toBe(-502001);
    expect(err.errMsg).toMatch(/too large.*16 MB/);
    expect((await db.collection('size').count()).total).toBe(0);
  });
});

describe('transactions: single documents by _id and add, no where()', () => {
  test('doc() reads/writes and add() work; where().get() inside a transaction is refused, even by _id', async () => {
    await db.collection('tx').add({ data: { _id: 't1', n: 1 } });
    const ok = await db.runTransaction(async (t: any) => {
      const { data } = await t.collection('tx').doc('t1').get();
      await t
        .collection('tx')
        .doc('t1')
        .update({ data: { n: data.n + 1 } });
      await t.collection('tx').add({ data: { _id: 't2', n: 0 } });
      return data.n;
    });
    expect(ok).toBe(1);
    expect((await db.collection('tx').doc('t1').get()).data.n).toBe(2);

    for (const step of [(t: any) => t.collection('tx').where({ n: 2 }).get(), (t: any) => t.collection('tx').where({ _id: 't1' }).get()]) {
      const err: any = await db.runTransaction(step).catch((e: unknown) => e);
      expect(String(err?.errMsg ?? err?.message)).toMatch(/事务中不支持批量操作/);
    }
    expect((await db.collection('tx').doc('t1').get()).data.n).toBe(2);
  });
});

describe('aggregate', () => {
  test('without .limit() a server-side aggregate returns 20 documents; with one, up to it', async () => {
    await db.createCollection('many');
    await emu.db.insert(
      'many',
      Array.from({ length: 45 }, (_x, i) => ({ _id: `m${String(i).padStart(2, '0')}`, i })),
    );
    expect(
      (
        await db
          .collection('many')
          .aggregate()
          .match({ i: _.gte(0) })
          .end()
      ).list,
    ).toHaveLength(20);
    expect(
      (
        await db
          .collection('many')
          .aggregate()
          .match({ i: _.gte(0) })
          .limit(40)
          .end()
      ).list,
    ).toHaveLength(40);
    expect((await db.collection('many').aggregate().count('n').end()).list).toEqual([{ n: 45 }]);
  });
});

describe('indexes per collection', () => {
  test(`${MAX_INDEXES_PER_COLLECTION} indexes besides _id are accepted, one more is refused (also through POST /_local/indexes)`, async () => {
    for (let i = 0; i < MAX_INDEXES_PER_COLLECTION; i++) await emu.db.ensureIndex('names', [`f${i}`], {});
    await expect(emu.db.ensureIndex('names', ['f_extra'], {})).rejects.toThrow(/at most 10/);
    // re-declaring an existing one is not a new index
    await emu.db.ensureIndex('names', ['f0'], {});

    const dataDir = tmpDir();
    const full: LocalEmulator = await createEmulator({ port: 0, dataDir, functionsDir: path.join(dataDir, 'none'), persist: false, log: () => undefined, timers: { auto: false } });
    try {
      const eleven = Array.from({ length: MAX_INDEXES_PER_COLLECTION + 1 }, (_x, i) => ({ keys: { [`k${i}`]: 1 } }));
      const res = await fetch(`${full.url}/_local/indexes`, { method: 'POST', body: JSON.stringify({ many: eleven }) });
      expect(res.status).toBe(409);
      expect((await res.json()).errMsg).toMatch(/at most 10/);
    } finally {
      await full.close();
    }
  });
});
