/**
 * The embedded document store. Every operation is synchronous: the emulator
 * is single-threaded, so an operation's read-modify-write cannot interleave
 * with another request — that is what makes `where({_id, version}).update()`
 * a real compare-and-set.
 *
 * Each mutating call hands exactly one batch of log operations to the
 * journal (persistence), so a batch is all-or-nothing on disk too.
 */
import { randomBytes } from 'node:crypto';
import { aggregate as mingoAggregate, Query, find as mingoFind } from 'mingo';
import { EJSON } from 'bson';
import { clone, deepEqual, isPlainObject, type Doc } from './ejson';
import { collectionNotExist, DbError } from './errors';
import { MAX_INDEXES_PER_COLLECTION } from '../limits';
import { applyOperatorUpdate, applyReplacement, checkFieldNames, checkStorable, equalityFields, expandDotted } from './update';
import { candidates, OrderedIndex, planQuery, queryShape, type Plan } from './indexes';

export type LogOp = ['coll', string] | ['drop', string] | ['put', string, Doc] | ['del', string, unknown] | ['index', string, string[], boolean];

export type Journal = (ops: LogOp[]) => void;

interface IndexDef {
  fields: string[];
  unique: boolean;
  /** index key → doc key (unique indexes only) */
  map: Map<string, string>;
  /** the documents in index order, used to plan queries (db/indexes.ts) */
  ordered: OrderedIndex;
}

/** A query no declared index serves (a collection scan), as GET /_local/stats reports it. */
export interface UnindexedQuery {
  collection: string;
  op: 'find' | 'count' | 'update' | 'remove' | 'aggregate';
  /** field names and operators, values left out */
  query: unknown;
  sort?: Record<string, 1 | -1>;
  /** the emulator worker that sent it (`<function>-<n>`), when a function did */
  workerId?: string;
  function?: string;
  count: number;
}

interface Collection {
  name: string;
  docs: Map<string, Doc>;
  /** write sequence number of each doc key (kept after deletes) — transactions compare them */
  versions: Map<string, number>;
  indexes: IndexDef[];
}

interface Change {
  coll: Collection;
  key: string;
  old?: Doc;
  next?: Doc;
}

export interface FindOptions {
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
  projection?: Doc;
}

export interface UpdateOptions {
  multi?: boolean;
  upsert?: boolean;
  /** merge=false: `data` replaces the document */
  replace?: boolean;
}

export interface UpdateResult {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  /** the new versions of the changed (or upserted) documents */
  docs: Doc[];
}

const MINGO_OPTS = { idKey: '_id' };

/** Map key of an _id: strings as is, other types tagged so 1 and '1' differ. */
export function idKey(id: unknown): string {
  if (typeof id === 'string') return id;
  if (typeof id === 'number') return `\u0000n:${id}`;
  // biome-ignore lint/plugin/no-as-any: bson's EJSON.stringify is typed for a Document; an _id may be any EJSON value
  return `\u0000j:${EJSON.stringify(id as any, { relaxed: false })}`;
}

/** 32 lowercase hex chars, like CloudBase's generated ids. */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

function validName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= 128 && !name.includes('\u0000');
}

export class DocStore {
  private colls = new Map<string, Collection>();
  private seq = 0;
  /** write sequence of each collection's last drop (writtenSince() reports a drop, whose documents' versions went with it) */
  private dropped = new Map<string, number>();
  journal: Journal | undefined;
  /** env id used in error messages (E11000 ... collection: <env>.<name>) */
  envId = 'local';
  /** the worker whose request is being served (set by the database actions around each synchronous store call) */
  caller: string | undefined;
  /** documents read to answer queries so far (index candidates and scanned documents): what a query costs, for benchmarks */
  examined = 0;
  private unindexed = new Map<string, UnindexedQuery>();

  // ---------- collections ----------

  hasCollection(name: string): boolean {
    return this.colls.has(name);
  }

  collectionNames(): string[] {
    return [...this.colls.keys()].sort();
  }

  /** false when it already existed */
  createCollection(name: string): boolean {
    if (!validName(name)) throw new DbError('INVALID_PARAM', `invalid collection name: ${JSON.stringify(name)}`);
    if (this.colls.has(name)) return false;
    this.colls.set(name, { name, docs: new Map(), versions: new Map(), indexes: [] });
    this.emit([['coll', name]]);
    return true;
  }

  dropCollection(name: string): boolean {
    const c = this.colls.get(name);
    if (!c) return false;
    this.colls.delete(name);
    // a drop deletes its documents: the write sequence moves on, and writtenSince() reports `<name>/*` after it
    if (c.docs.size > 0 || c.versions.size > 0) this.dropped.set(name, ++this.seq);
    this.emit([['drop', name]]);
    return true;
  }

  size(name: string): number {
    return this.colls.get(name)?.docs.size ?? 0;
  }

  ensureIndex(name: string, fields: string[], unique: boolean): void {
    if (!Array.isArray(fields) || fields.length === 0 || fields.some((f) => typeof f !== 'string' || !f)) {
      throw new DbError('INVALID_PARAM', 'index fields must be a non-empty list of field paths');
    }
    if (!this.colls.has(name)) this.createCollection(name);
    const c = this.coll(name);
    const existing = c.indexes.find((i) => sameFields(i.fields, fields));
    if (existing && existing.unique === unique) return;
    if (!existing && c.indexes.length >= MAX_INDEXES_PER_COLLECTION) {
      throw new DbError(
        'DATABASE_REQUEST_FAILED',
        `[LimitExceeded] collection ${name} already has ${c.indexes.length} indexes besides _id; a collection may have at most ${MAX_INDEXES_PER_COLLECTION}`,
      );
    }
    const idx: IndexDef = { fields: [...fields], unique, map: new Map(), ordered: new OrderedIndex([...fields]) };
    if (unique) {
      for (const [key, doc] of c.docs) {
        const ik = indexKey(idx, doc);
        if (ik === undefined) continue;
        if (idx.map.has(ik)) {
          throw dupKey(this.envId, name, idx, doc);
        }
        idx.map.set(ik, key);
      }
    }
    if (existing) c.indexes.splice(c.indexes.indexOf(existing), 1);
    c.indexes.push(idx);
    this.emit([['index', name, [...fields], unique]]);
  }

  indexes(name: string): { fields: string[]; unique: boolean }[] {
    return (this.colls.get(name)?.indexes ?? []).map((i) => ({ fields: [...i.fields], unique: i.unique }));
  }

  // ---------- reads ----------

  getById(name: string, id: unknown): Doc | undefined {
    return this.coll(name).docs.get(idKey(id));
  }

  /** The store's write sequence: it moves on with every document a write changes and every drop of a collection (a write that changes nothing leaves it). */
  writeSeq(): number {
    return this.seq;
  }

  /** `collection/id` of every document changed (written or deleted) after write sequence `seq`, oldest first; `collection/*` for a dropped collection. */
  writtenSince(seq: number): string[] {
    const out: [number, string][] = [];
    for (const c of this.colls.values()) for (const [key, v] of c.versions) if (v > seq) out.push([v, `${c.name}/${key}`]);
    for (const [name, v] of this.dropped) if (v > seq) out.push([v, `${name}/*`]);
    return out.sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }

  /** write sequence of a doc (0 = never written) */
  version(name: string, id: unknown): number {
    return this.colls.get(name)?.versions.get(idKey(id)) ?? 0;
  }

  /**
   * Matching documents. The returned objects are the stored ones unless a
   * projection applies: callers must not mutate them.
   */
  find(name: string, query: Doc | undefined, opts: FindOptions = {}): Doc[] {
    const c = this.coll(name);
    const skip = Math.max(0, opts.skip ?? 0);
    const limit = opts.limit ?? Infinity;
    const sort = opts.sort && Object.keys(opts.sort).length > 0 ? opts.sort : undefined;
    let page: Doc[];
    if (sort) {
      const q = query && Object.keys(query).length > 0 ? query : undefined;
      const plan = q && idCandidates(q) ? undefined : this.plan(c, 'find', q, sort);
      if (plan?.kind === 'index' && plan.sorted) {
        // walk the index in the sort's order (planned() keeps it), stop when the page is full
        page = this.planned(c, plan, q, skip + limit).slice(skip);
      } else {
        const all = plan ? this.planned(c, plan, q, Infinity) : this.matching(c, query, Infinity);
        page = mingoFind(all, {}, undefined, MINGO_OPTS)
          // biome-ignore lint/plugin/no-as-any: mingo's sort type is its own SortSpec; the SDK's { field: 1 | -1 } is the same shape
          .sort(sort as any)
          .skip(skip)
          .limit(Number.isFinite(limit) ? limit : all.length)
          .all() as Doc[];
      }
    } else {
      page = this.matching(c, query, skip + limit, 'find').slice(skip);
    }
    if (opts.projection && Object.keys(opts.projection).length > 0) {
      try {
        // biome-ignore lint/plugin/no-as-any: mingo types a projection as its own Projection type; this one is the SDK's, already checked
        page = new Query({}, MINGO_OPTS).find(page, opts.projection as any).all() as Doc[];
      } catch (e) {
        throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] invalid projection: ${(e as Error).message}`);
      }
    }
    return page;
  }

  count(name: string, query: Doc | undefined): number {
    const c = this.coll(name);
    if (!query || Object.keys(query).length === 0) return c.docs.size;
    return this.matching(c, query, Infinity, 'count').length;
  }

  aggregate(name: string, pipeline: Doc[]): Doc[] {
    const c = this.coll(name);
    for (const stage of pipeline) {
      const key = Object.keys(stage)[0];
      if (key === '$out' || key === '$merge') {
        throw new DbError('INVALID_PARAM', `${key} is not supported by the local emulator`);
      }
      if (key === '$lookup' && isPlainObject(stage.$lookup) && typeof stage.$lookup.from === 'string' && !this.colls.has(stage.$lookup.from)) {
        throw collectionNotExist(stage.$lookup.from);
      }
    }
    // leading $match stages use the store's own matching (no copy of the whole collection)
    let i = 0;
    let input: Doc[] | undefined;
    while (i < pipeline.length && Object.keys(pipeline[i])[0] === '$match') {
      const q = pipeline[i].$match;
      if (input) {
        const test = matcherFor(q);
        input = input.filter((d) => test.test(d));
      } else input = this.matching(c, q, Infinity, 'aggregate');
      i++;
    }
    const docs = (input ?? [...c.docs.values()]).map((d) => clone(d));
    // $lookup stages right after: joined through the foreign collection's indexes, as the database does (mingo's
    // resolver would copy the whole foreign collection for every lookup)
    while (i < pipeline.length && Object.keys(pipeline[i])[0] === '$lookup' && this.lookupNatively(docs, pipeline[i].$lookup)) i++;
    const rest = pipeline.slice(i);
    if (rest.length === 0) return docs;
    // a last $limit (the functions' `.limit(1).end()`) on what is left: the first n, as mingo's $limit takes them
    const n = rest.length === 1 && Object.keys(rest[0]).length === 1 ? rest[0].$limit : undefined;
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) return docs.slice(0, n);
    try {
      // biome-ignore lint/plugin/no-as-any: mingo types a pipeline as its own stage union; the SDK's stages are passed through as sent
      return mingoAggregate(docs, rest as any, {
        ...MINGO_OPTS,
        collectionResolver: (other: string) => [...(this.colls.get(other)?.docs.values() ?? [])].map((d) => clone(d)),
      }) as Doc[];
    } catch (e) {
      if (e instanceof DbError) throw e;
      throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] ${(e as Error).message}`);
    }
  }

  /**
   * `{ from, localField, foreignField, as }`, or `{ from, pipeline: [$match…, $limit?], as }`
   * (no `let`): each input document gets `as` = the foreign documents found
   * through the store's own matching (indexes, unindexed shapes recorded). False
   * for any other shape (left to mingo).
   */
  private lookupNatively(docs: Doc[], spec: unknown): boolean {
    if (!isPlainObject(spec) || typeof spec.from !== 'string' || typeof spec.as !== 'string') return false;
    const other = this.coll(spec.from);
    const as = spec.as;
    if (typeof spec.localField === 'string' && typeof spec.foreignField === 'string' && spec.pipeline === undefined && spec.let === undefined) {
      const cache = new Map<string, Doc[]>();
      for (const d of docs) {
        const value = getPath(d, spec.localField);
        if (value === undefined || Array.isArray(value) || isPlainObject(value)) return false;
        const key = JSON.stringify(value);
        let found = cache.get(key);
        if (!found) {
          found = this.matching(other, { [spec.foreignField]: value }, Infinity, 'aggregate');
          cache.set(key, found);
        }
        d[as] = found.map((x) => clone(x));
      }
      return true;
    }
    if (Array.isArray(spec.pipeline) && spec.let === undefined && spec.localField === undefined) {
      const stages = spec.pipeline as Doc[];
      const matches = stages.filter((st) => Object.keys(st)[0] === '$match');
      const limits = stages.filter((st) => Object.keys(st)[0] === '$limit');
      if (matches.length + limits.length !== stages.length || limits.length > 1 || (limits.length && Object.keys(stages[stages.length - 1])[0] !== '$limit')) return false;
      const query = matches.length === 1 ? matches[0].$match : matches.length ? { $and: matches.map((m) => m.$match) } : {};
      const max = limits.length ? Number(limits[0].$limit) : Infinity;
      const found = this.matching(other, query, max, 'aggregate').slice(0, max);
      for (const d of docs) d[as] = found.map((x) => clone(x));
      return true;
    }
    return false;
  }

  // ---------- writes ----------

  /** Inserts all or nothing. Documents without `_id` get a generated one. Returns the ids. */
  insert(name: string, docs: Doc[]): unknown[] {
    const c = this.coll(name);
    const changes: Change[] = [];
    const batchKeys = new Set<string>();
    for (const input of docs) {
      if (!isPlainObject(input)) throw new DbError('INVALID_PARAM', 'documents must be objects');
      checkFieldNames(input);
      let doc: Doc;
      if (input._id === undefined || input._id === null) {
        const { _id: _drop, ...rest } = input;
        doc = { _id: newId(), ...clone(rest) };
      } else {
        if (Array.isArray(input._id) || input._id instanceof RegExp) {
          throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] can't use an array or regex for _id`);
        }
        doc = clone(input);
      }
      const key = idKey(doc._id);
      if (c.docs.has(key) || batchKeys.has(key)) throw dupId(this.envId, name, doc._id);
      batchKeys.add(key);
      changes.push({ coll: c, key, next: doc });
    }
    this.commit(changes);
    return changes.map((ch) => ch.next!._id);
  }

  update(name: string, query: Doc | undefined, data: Doc, opts: UpdateOptions = {}): UpdateResult {
    const c = this.coll(name);
    const matches = this.matchingEntries(c, query, opts.multi ? Infinity : 1, 'update');
    if (matches.length === 0) {
      if (!opts.upsert) return { matched: 0, modified: 0, docs: [] };
      const doc = this.buildUpsert(query ?? {}, data, !!opts.replace);
      const key = idKey(doc._id);
      if (c.docs.has(key)) throw dupId(this.envId, name, doc._id);
      this.commit([{ coll: c, key, next: doc }]);
      return { matched: 0, modified: 0, upsertedId: doc._id, docs: [doc] };
    }
    const changes: Change[] = [];
    for (const [key, doc] of matches) {
      const r = opts.replace ? applyReplacement(doc, data) : applyOperatorUpdate(doc, data, { condition: query });
      if (r.modified) changes.push({ coll: c, key, old: doc, next: r.doc });
    }
    this.commit(changes);
    return { matched: matches.length, modified: changes.length, docs: changes.map((ch) => ch.next!) };
  }

  remove(name: string, query: Doc | undefined, opts: { multi?: boolean } = {}): number {
    const c = this.coll(name);
    const matches = this.matchingEntries(c, query, opts.multi === false ? 1 : Infinity, 'remove');
    this.commit(matches.map(([key, doc]) => ({ coll: c, key, old: doc })));
    return matches.length;
  }

  /**
   * Writes a set of whole-document puts/deletes atomically (transaction commit).
   * `doc: null` deletes. Unique indexes are checked before anything changes.
   */
  applyWrites(writes: { collection: string; id: unknown; doc: Doc | null }[]): void {
    const changes: Change[] = [];
    for (const w of writes) {
      const c = this.coll(w.collection);
      const key = idKey(w.id);
      const old = c.docs.get(key);
      if (w.doc === null) {
        if (old) changes.push({ coll: c, key, old });
      } else {
        if (old && deepEqual(old, w.doc)) continue;
        changes.push({ coll: c, key, old, next: clone(w.doc) });
      }
    }
    this.commit(changes);
  }

  /** Replays persisted operations (no checks, no journal). */
  replay(ops: LogOp[]): void {
    for (const op of ops) {
      switch (op[0]) {
        case 'coll':
          if (!this.colls.has(op[1])) this.colls.set(op[1], { name: op[1], docs: new Map(), versions: new Map(), indexes: [] });
          break;
        case 'drop':
          this.colls.delete(op[1]);
          break;
        case 'put': {
          const c = this.replayColl(op[1]);
          const key = idKey(op[2]._id);
          const old = c.docs.get(key);
          unindex(c, key, old);
          c.docs.set(key, op[2]);
          reindex(c, key, op[2]);
          for (const idx of c.indexes) idx.ordered.change([[key, old, op[2]]]);
          c.versions.set(key, ++this.seq);
          break;
        }
        case 'del': {
          const c = this.replayColl(op[1]);
          const key = idKey(op[2]);
          const old = c.docs.get(key);
          unindex(c, key, old);
          for (const idx of c.indexes) idx.ordered.change([[key, old, undefined]]);
          c.docs.delete(key);
          c.versions.set(key, ++this.seq);
          break;
        }
        case 'index': {
          const c = this.replayColl(op[1]);
          const existing = c.indexes.find((i) => sameFields(i.fields, op[2]));
          if (existing) c.indexes.splice(c.indexes.indexOf(existing), 1);
          const idx: IndexDef = { fields: op[2], unique: op[3], map: new Map(), ordered: new OrderedIndex(op[2]) };
          if (idx.unique)
            for (const [key, doc] of c.docs) {
              const ik = indexKey(idx, doc);
              if (ik !== undefined) idx.map.set(ik, key);
            }
          c.indexes.push(idx);
          break;
        }
      }
    }
  }

  /** Everything, as log operations (for a snapshot). */
  *dump(): Generator<LogOp> {
    for (const c of this.colls.values()) {
      yield ['coll', c.name];
      for (const idx of c.indexes) yield ['index', c.name, idx.fields, idx.unique];
      for (const doc of c.docs.values()) yield ['put', c.name, doc];
    }
  }

  // ---------- internals ----------

  private replayColl(name: string): Collection {
    let c = this.colls.get(name);
    if (!c) {
      c = { name, docs: new Map(), versions: new Map(), indexes: [] };
      this.colls.set(name, c);
    }
    return c;
  }

  private coll(name: string): Collection {
    if (!validName(name)) throw new DbError('INVALID_PARAM', `invalid collection name: ${JSON.stringify(name)}`);
    const c = this.colls.get(name);
    if (!c) throw collectionNotExist(name);
    return c;
  }

  private emit(ops: LogOp[]): void {
    if (ops.length && this.journal) this.journal(ops);
  }

  private buildUpsert(query: Doc, data: Doc, replace: boolean): Doc {
    const eq = equalityFields(query);
    let doc: Doc;
    if (replace) {
      const { _id, ...rest } = data;
      doc = { _id: data._id ?? eq._id ?? newId(), ...clone(rest) };
      checkFieldNames(doc);
    } else {
      const base = expandDotted(eq);
      if (base._id === undefined) base._id = newId();
      const r = applyOperatorUpdate({ _id: base._id, ...base }, data, { inserting: true });
      doc = r.doc;
    }
    return doc;
  }

  private matchingEntries(c: Collection, query: Doc | undefined, max: number, op?: UnindexedQuery['op']): [string, Doc][] {
    const out: [string, Doc][] = [];
    if (max <= 0) return out;
    const q = query && Object.keys(query).length > 0 ? query : undefined;
    const ids = q ? idCandidates(q) : undefined;
    const test = q ? matcherFor(q) : undefined;
    if (ids) {
      for (const id of ids) {
        const key = idKey(id);
        const doc = c.docs.get(key);
        this.examined++;
        if (doc && (!test || test.test(doc))) {
          out.push([key, doc]);
          if (out.length >= max) break;
        }
      }
      return out;
    }
    const plan = q ? this.plan(c, op ?? 'find', q, undefined) : undefined;
    if (plan?.kind === 'index') {
      for (const key of candidates(plan, c.docs)) {
        const doc = c.docs.get(key);
        this.examined++;
        if (doc && (!test || test.test(doc))) {
          out.push([key, doc]);
          if (out.length >= max) break;
        }
      }
      return out;
    }
    for (const entry of c.docs) {
      this.examined++;
      if (!test || test.test(entry[1])) {
        out.push(entry);
        if (out.length >= max) break;
      }
    }
    return out;
  }

  private matching(c: Collection, query: Doc | undefined, max: number, op?: UnindexedQuery['op']): Doc[] {
    return this.matchingEntries(c, query, max, op).map((e) => e[1]);
  }

  /** Documents of an index plan that match the query, in the index's order (a sorted plan: the sort's), at most `max`. */
  private planned(c: Collection, plan: Plan, query: Doc | undefined, max: number): Doc[] {
    if (plan.kind !== 'index') return this.matching(c, query, max);
    const test = query ? matcherFor(query) : undefined;
    const out: Doc[] = [];
    for (const key of candidates(plan, c.docs)) {
      const doc = c.docs.get(key);
      this.examined++;
      if (doc && (!test || test.test(doc))) {
        out.push(doc);
        if (out.length >= max) break;
      }
    }
    return out;
  }

  /** Plans a query on the collection's declared indexes; a query none serves is recorded. */
  private plan(c: Collection, op: UnindexedQuery['op'], query: Doc | undefined, sort: Record<string, 1 | -1> | undefined): Plan {
    const plan = planQuery(
      c.indexes.map((i) => i.ordered),
      query,
      sort,
    );
    if (!plan.served) this.noteUnindexed(c.name, op, query, sort);
    return plan;
  }

  private noteUnindexed(collection: string, op: UnindexedQuery['op'], query: Doc | undefined, sort: Record<string, 1 | -1> | undefined): void {
    const shape = queryShape(query);
    const workerId = this.caller;
    const fn = workerId?.replace(/-\d+$/, '');
    const id = JSON.stringify([collection, op, shape, sort ?? null, fn ?? null]);
    const hit = this.unindexed.get(id);
    if (hit) {
      hit.count++;
      hit.workerId = workerId;
      return;
    }
    if (this.unindexed.size >= 1000) return;
    this.unindexed.set(id, { collection, op, query: shape, ...(sort ? { sort } : {}), ...(workerId ? { workerId, function: fn } : {}), count: 1 });
  }

  /** Queries no declared index served since the last reset (one entry per shape, with a count). */
  unindexedQueries(): UnindexedQuery[] {
    return [...this.unindexed.values()].map((u) => ({ ...u }));
  }

  resetUnindexed(): void {
    this.unindexed.clear();
  }

  private commit(changes: Change[]): void {
    if (changes.length === 0) return;
    for (const ch of changes) if (ch.next) checkStorable(ch.next);
    this.checkUnique(changes);
    const ops: LogOp[] = [];
    const byColl = new Map<Collection, [string, Doc | undefined, Doc | undefined][]>();
    for (const ch of changes) {
      const { coll: c, key } = ch;
      const old = ch.old ?? c.docs.get(key);
      unindex(c, key, old);
      const list = byColl.get(c) ?? [];
      list.push([key, old, ch.next]);
      byColl.set(c, list);
      if (ch.next) {
        c.docs.set(key, ch.next);
        reindex(c, key, ch.next);
        ops.push(['put', c.name, ch.next]);
      } else {
        c.docs.delete(key);
        ops.push(['del', c.name, ch.old?._id]);
      }
      c.versions.set(key, ++this.seq);
    }
    for (const [c, list] of byColl) for (const idx of c.indexes) idx.ordered.change(list);
    this.emit(ops);
  }

  private checkUnique(changes: Change[]): void {
    const byColl = new Map<Collection, Change[]>();
    for (const ch of changes) {
      const list = byColl.get(ch.coll) ?? [];
      list.push(ch);
      byColl.set(ch.coll, list);
    }
    for (const [c, list] of byColl) {
      for (const idx of c.indexes) {
        if (!idx.unique) continue;
        // doc key → its index key after the batch
        const after = new Map<string, string | undefined>();
        for (const ch of list) after.set(ch.key, ch.next ? indexKey(idx, ch.next) : undefined);
        const taken = new Map<string, string>();
        for (const ch of list) {
          if (!ch.next) continue;
          const ik = after.get(ch.key);
          if (ik === undefined) continue;
          const inBatch = taken.get(ik);
          if (inBatch !== undefined && inBatch !== ch.key) throw dupKey(this.envId, c.name, idx, ch.next);
          taken.set(ik, ch.key);
          const owner = idx.map.get(ik);
          if (owner !== undefined && owner !== ch.key) {
            const ownerMoves = after.has(owner) && after.get(owner) !== ik;
            if (!ownerMoves) throw dupKey(this.envId, c.name, idx, ch.next);
          }
        }
      }
    }
  }
}

// ---------- helpers ----------

const queryCache = new Map<string, Query>();

interface Matcher {
  test(doc: Doc): boolean;
}

/**
 * A matcher for a query. Conjunctions of `field: <string|number|boolean>`
 * (the common `{_id, version}`, `{status}`, `{buyerOpenid}` shapes) are decided
 * directly when the path holds no array; anything else goes to mingo
 * (compiled once per query and cached).
 */
export function matcherFor(query: Doc): Matcher {
  const simple = simplePredicate(query);
  if (!simple) {
    const q = compile(query);
    return { test: (d) => q.test(d) };
  }
  let q: Query | undefined;
  return {
    test(d) {
      const r = simple(d);
      if (r !== undefined) return r;
      q ??= compile(query);
      return q.test(d);
    },
  };
}

/** true / false when sure, undefined when mingo must decide (arrays on the path). */
function simplePredicate(query: Doc): ((doc: Doc) => boolean | undefined) | undefined {
  const conds: [string[], unknown][] = [];
  for (const [k, v] of Object.entries(query)) {
    if (k.startsWith('$') || k === '') return undefined;
    const t = typeof v;
    if (!(t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v)))) return undefined;
    conds.push([k.split('.'), v]);
  }
  return (doc) => {
    let unsure = false;
    for (const [segs, expected] of conds) {
      let cur: any = doc;
      let i = 0;
      for (; i < segs.length; i++) {
        if (cur === null || typeof cur !== 'object' || cur instanceof Date || cur instanceof RegExp) {
          cur = undefined;
          break;
        }
        if (Array.isArray(cur)) break;
        cur = cur[segs[i]];
      }
      if (Array.isArray(cur)) {
        unsure = true;
        continue;
      }
      if (cur !== expected) return false;
    }
    return unsure ? undefined : true;
  };
}

function compile(query: Doc): Query {
  // cache keyed by the EJSON text (queries repeat a lot: same shape, same values)
  let text: string | undefined;
  try {
    // biome-ignore lint/plugin/no-as-any: bson's EJSON.stringify is typed for a Document; a query is one, typed loosely here
    text = EJSON.stringify(query as any, { relaxed: false });
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    const hit = queryCache.get(text);
    if (hit) return hit;
  }
  let q: Query;
  try {
    // biome-ignore lint/plugin/no-as-any: mingo types criteria as its own AnyObject; the SDK's query is passed through as sent
    q = new Query(query as any, MINGO_OPTS);
  } catch (e) {
    throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] invalid query: ${(e as Error).message}`);
  }
  if (text !== undefined) {
    if (queryCache.size > 500) queryCache.clear();
    queryCache.set(text, q);
  }
  return q;
}

/** When a query pins `_id` (value, $eq or $in), the candidate ids; otherwise undefined (scan). */
function idCandidates(query: Doc): unknown[] | undefined {
  if (!('_id' in query)) {
    if (Array.isArray(query.$and)) {
      for (const sub of query.$and) {
        if (isPlainObject(sub)) {
          const ids = idCandidates(sub);
          if (ids) return ids;
        }
      }
    }
    return undefined;
  }
  const v = query._id;
  if (typeof v === 'string' || typeof v === 'number') return [v];
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$eq' && (typeof v.$eq === 'string' || typeof v.$eq === 'number')) return [v.$eq];
    if (keys.includes('$in') && Array.isArray(v.$in) && v.$in.every((x: unknown) => typeof x === 'string' || typeof x === 'number')) {
      return [...new Set(v.$in as unknown[])];
    }
  }
  return undefined;
}

function getPath(doc: Doc, path: string): unknown {
  let cur: any = doc;
  for (const s of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[s];
  }
  return cur;
}

function indexKey(idx: IndexDef, doc: Doc): string | undefined {
  const values = idx.fields.map((f) => getPath(doc, f));
  if (values.every((v) => v === undefined)) return undefined; // sparse
  // biome-ignore lint/plugin/no-as-any: bson's EJSON.stringify is typed for a Document; an index key is an array of EJSON values
  return EJSON.stringify(values.map((v) => (v === undefined ? null : v)) as any, { relaxed: false });
}

function unindex(c: Collection, key: string, doc: Doc | undefined): void {
  if (!doc) return;
  for (const idx of c.indexes) {
    if (!idx.unique) continue;
    const ik = indexKey(idx, doc);
    if (ik !== undefined && idx.map.get(ik) === key) idx.map.delete(ik);
  }
}

function reindex(c: Collection, key: string, doc: Doc): void {
  for (const idx of c.indexes) {
    if (!idx.unique) continue;
    const ik = indexKey(idx, doc);
    if (ik !== undefined) idx.map.set(ik, key);
  }
}

function sameFields(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

function fmt(v: unknown): string {
  // biome-ignore lint/plugin/no-as-any: bson's EJSON.stringify is typed for a Document; a field value may be any EJSON value
  return typeof v === 'string' ? JSON.stringify(v) : EJSON.stringify(v as any, { relaxed: true });
}

export function dupId(env: string, coll: string, id: unknown): DbError {
  return new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] E11000 duplicate key error collection: ${env}.${coll} index: _id_ dup key: { _id: ${fmt(id)} }`);
}

function dupKey(env: string, coll: string, idx: IndexDef, doc: Doc): DbError {
  const name = idx.fields.map((f) => `${f}_1`).join('_');
  const keys = idx.fields.map((f) => `${f}: ${fmt(getPath(doc, f) ?? null)}`).join(', ');
  return new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] E11000 duplicate key error collection: ${env}.${coll} index: ${name} dup key: { ${keys} }`);
}
