/**
 * Declared indexes in the document store (scripts/emulator/db/indexes.ts):
 * a query answered through an index gives exactly what a collection scan
 * gives (random documents, random writes, random queries with sorts, skips
 * and limits, compared with the same store without indexes), the index is
 * kept in step by inserts, updates, removes, transactions' writes and a
 * replay, and a query no declared index serves is reported.
 */
import fc from 'fast-check';
import { DocStore } from '../../../scripts/emulator/db/store';
import { compareValues, planQuery, OrderedIndex } from '../../../scripts/emulator/db/indexes';

const T0 = Date.UTC(2026, 0, 1);
const STATUSES = ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'IN_TRANSIT', 'CLOSED', 'REFUNDED'];

function docArb(i: number) {
  return fc
    .record({
      status: fc.constantFrom(...STATUSES),
      deadline: fc.option(
        fc.integer({ min: 0, max: 20 }).map((h) => new Date(T0 + h * 3_600_000)),
        { nil: null },
      ),
      buyerOpenid: fc.constantFrom('b1', 'b2', 'b3'),
      createdAt: fc.integer({ min: 0, max: 10 }).map((h) => new Date(T0 + h * 3_600_000)),
      n: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant('x'), fc.constant(null)),
    })
    .map((d) => ({ _id: `r${String(i).padStart(3, '0')}`, ...d }));
}

const queryArb = fc.oneof(
  fc.record({ status: fc.constantFrom(...STATUSES) }),
  fc.record({
    status: fc.subarray(STATUSES, { minLength: 1 }).map((s) => ({ $in: s })),
    deadline: fc.integer({ min: 0, max: 20 }).map((h) => ({ $lte: new Date(T0 + h * 3_600_000) })),
  }),
  fc.record({ status: fc.subarray(STATUSES, { minLength: 1 }).map((s) => ({ $in: s })), deadline: fc.constant({ $ne: null }) }),
  fc.record({ status: fc.subarray(STATUSES, { minLength: 1 }).map((s) => ({ $in: s })), deadline: fc.constant(null) }),
  fc.record({ buyerOpenid: fc.constantFrom('b1', 'b2'), createdAt: fc.integer({ min: 0, max: 10 }).map((h) => ({ $gt: new Date(T0 + h * 3_600_000) })) }),
  fc.record({ $and: fc.constant([{ buyerOpenid: 'b1' }, { $or: [{ status: 'CLOSED' }, { n: { $gte: 2 } }] }]) }),
  fc.record({ n: fc.integer({ min: 0, max: 5 }).map((x) => ({ $gte: x })) }),
  fc.constant({}),
);
const sortArb = fc.oneof(
  fc.constant(undefined),
  fc.constant({ deadline: 1 as const, _id: 1 as const }),
  fc.constant({ deadline: -1 as const, _id: -1 as const }),
  fc.constant({ createdAt: -1 as const, _id: -1 as const }),
  fc.constant({ createdAt: -1 as const, _id: 1 as const }),
  fc.constant({ n: 1 as const, _id: 1 as const }),
);

function stores(docs: any[]): [DocStore, DocStore] {
  const plain = new DocStore();
  const indexed = new DocStore();
  for (const s of [plain, indexed]) s.createCollection('returns');
  indexed.ensureIndex('returns', ['status', 'deadline'], false);
  indexed.ensureIndex('returns', ['buyerOpenid', 'createdAt'], false);
  indexed.ensureIndex('returns', ['n'], false);
  for (const s of [plain, indexed]) if (docs.length) s.insert('returns', docs);
  return [plain, indexed];
}

const ids = (docs: any[]) => docs.map((d) => d._id);

describe('queries through declared indexes', () => {
  it('give what a collection scan gives, after any writes (sorted pages compared in order, unsorted as sets)', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.nat(60), { minLength: 0, maxLength: 60 })
          .chain((seeds) =>
            fc.tuple(
              fc.tuple(...seeds.map((_, i) => docArb(i))),
              fc.array(fc.tuple(queryArb, sortArb, fc.nat(5), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 6 }),
              fc.array(fc.tuple(fc.nat(59), fc.constantFrom(...STATUSES), fc.boolean()), { maxLength: 10 }),
            ),
          ),
        ([docs, queries, writes]) => {
          const [plain, indexed] = stores(docs as any[]);
          for (const [i, status, remove] of writes) {
            for (const s of [plain, indexed]) {
              if (remove) s.remove('returns', { _id: `r${String(i).padStart(3, '0')}` });
              else s.update('returns', { _id: `r${String(i).padStart(3, '0')}` }, { $set: { status, deadline: new Date(T0 + i * 60_000) } });
            }
          }
          for (const [query, sort, skip, limit] of queries) {
            const q = query as Record<string, unknown>;
            const a = plain.find('returns', q, { sort, skip, limit });
            const b = indexed.find('returns', q, { sort, skip, limit });
            if (sort && '_id' in sort) expect(ids(b)).toEqual(ids(a));
            else if (!sort) {
              expect(b.length).toBe(a.length);
              const all = new Set(ids(plain.find('returns', q, {})));
              for (const id of ids(b)) expect(all.has(id)).toBe(true);
            }
            expect(indexed.count('returns', q)).toBe(plain.count('returns', q));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("are kept in step by a batch of many writes, by transactions' writes and by a replay", () => {
    const docs = Array.from({ length: 600 }, (_, i) => ({ _id: `d${i}`, status: STATUSES[i % 5], deadline: new Date(T0 + (i % 37) * 60_000) }));
    const [plain, indexed] = stores(docs);
    for (const s of [plain, indexed]) {
      s.update('returns', { status: 'CLOSED' }, { $set: { status: 'PENDING_REVIEW' } }, { multi: true });
      s.applyWrites([
        { collection: 'returns', id: 'd1', doc: null },
        { collection: 'returns', id: 'd2', doc: { _id: 'd2', status: 'IN_TRANSIT', deadline: new Date(T0) } },
      ]);
    }
    const q = { status: { $in: ['PENDING_REVIEW', 'IN_TRANSIT'] }, deadline: { $lte: new Date(T0 + 20 * 60_000) } };
    const sort = { deadline: 1 as const, _id: 1 as const };
    expect(ids(indexed.find('returns', q, { sort, limit: 50 }))).toEqual(ids(plain.find('returns', q, { sort, limit: 50 })));
    const replayed = new DocStore();
    replayed.replay([...indexed.dump()]);
    expect(ids(replayed.find('returns', q, { sort, limit: 50 }))).toEqual(ids(plain.find('returns', q, { sort, limit: 50 })));
    expect(replayed.unindexedQueries()).toEqual([]);
  });

  it('are planned on the index whose leading fields the query pins, with the sort served when it follows them', () => {
    const idx = [new OrderedIndex(['status', 'deadline']), new OrderedIndex(['buyerOpenid', 'createdAt'])];
    const p1 = planQuery(idx, { status: { $in: ['A', 'B'] }, deadline: { $lte: new Date(T0) } }, { deadline: 1, _id: 1 });
    expect(p1).toMatchObject({ kind: 'index', sorted: true, reverse: false, served: true, used: ['status', 'deadline'] });
    expect(p1.eqs).toEqual([['A'], ['B']]);
    expect(planQuery(idx, { buyerOpenid: 'b' }, { createdAt: -1, _id: -1 })).toMatchObject({ kind: 'index', sorted: true, reverse: true, used: ['buyerOpenid'] });
    expect(planQuery(idx, { status: 'A', deadline: null }, { createdAt: -1 })).toMatchObject({ kind: 'index', sorted: false, used: ['status', 'deadline'] });
    expect(planQuery(idx, { orderId: 'o' }, undefined)).toMatchObject({ kind: 'scan', served: false });
    expect(planQuery(idx, {}, { updatedAt: 1 })).toMatchObject({ kind: 'scan', served: false });
    expect(planQuery(idx, {}, undefined)).toMatchObject({ kind: 'scan', served: true });
  });

  it('compare values in BSON type order, and range bounds stay within their type', () => {
    const order = [null, -1, 2, 'a', 'b', { x: 1 }, [1], true, new Date(T0)];
    for (let i = 0; i + 1 < order.length; i++) expect(compareValues(order[i], order[i + 1])).toBeLessThan(0);
    const [, indexed] = stores([
      { _id: 'a', status: 'X', n: 'text' },
      { _id: 'b', status: 'X', n: 3 },
      { _id: 'c', status: 'X', n: null },
      { _id: 'd', status: 'X' },
    ]);
    expect(ids(indexed.find('returns', { n: { $lte: 10 } }, { sort: { n: 1, _id: 1 } }))).toEqual(['b']);
    expect(ids(indexed.find('returns', { n: null }, { sort: { n: 1, _id: 1 } }))).toEqual(['c', 'd']);
  });
});

describe('queries no declared index serves', () => {
  it('are reported once per shape (values left out) with the function that sent them, and cleared by a reset', () => {
    const [, indexed] = stores([{ _id: 'a', status: 'X', orderId: 'o1' }]);
    indexed.caller = 'applyReturn-3';
    indexed.find('returns', { orderId: 'o1' });
    indexed.find('returns', { orderId: 'o2' });
    indexed.caller = undefined;
    indexed.find('returns', {}, { sort: { updatedAt: -1 } });
    indexed.find('returns', { status: 'X' });
    indexed.find('returns', { _id: 'a', orderId: 'o1' });
    indexed.find('returns', {}, { limit: 10 });
    expect(indexed.unindexedQueries()).toEqual([
      { collection: 'returns', op: 'find', query: { orderId: '…' }, workerId: 'applyReturn-3', function: 'applyReturn', count: 2 },
      { collection: 'returns', op: 'find', query: {}, sort: { updatedAt: -1 }, count: 1 },
    ]);
    indexed.resetUnindexed();
    expect(indexed.unindexedQueries()).toEqual([]);
  });
});

describe('$lookup after $match (an after-sale with its order, and the order with its after-sales)', () => {
  it('joins through the foreign collection’s index, as mingo would join, and reports an unindexed join', () => {
    const s = new DocStore();
    s.createCollection('returns');
    s.createCollection('orders');
    s.ensureIndex('returns', ['orderId'], false);
    s.insert('orders', [
      { _id: 'o1', n: 1 },
      { _id: 'o2', n: 2 },
    ]);
    s.insert(
      'returns',
      Array.from({ length: 500 }, (_, i) => ({ _id: `r${i}`, orderId: `o${(i % 250) + 1}`, k: i })),
    );
    const before = s.examined;
    const [order] = s.aggregate('orders', [
      { $match: { _id: 'o1' } },
      { $lookup: { from: 'returns', localField: '_id', foreignField: 'orderId', as: 'rs' } },
      { $lookup: { from: 'returns', pipeline: [{ $match: { orderId: 'o2' } }, { $limit: 1 }], as: 'one' } },
    ]);
    expect(ids(order.rs).sort()).toEqual(['r0', 'r250']);
    expect(order.one).toHaveLength(1);
    expect(order.one[0].orderId).toBe('o2');
    // two documents read per join, not the 500 a scan reads
    expect(s.examined - before).toBeLessThan(20);
    expect(s.unindexedQueries()).toEqual([]);
    s.aggregate('orders', [{ $match: { _id: 'o1' } }, { $lookup: { from: 'returns', localField: '_id', foreignField: 'k', as: 'x' } }]);
    expect(s.unindexedQueries().map((q: any) => [q.collection, q.op])).toEqual([['returns', 'aggregate']]);
  });
});
