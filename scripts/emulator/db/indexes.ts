/**
 * Secondary indexes of the document store, used as the cloud database uses
 * the indexes declared on a collection (INDEXES, POST /_local/indexes):
 *
 * - every declared index keeps its documents ordered by (field values…, _id),
 *   values compared in BSON type order (null/missing < numbers < strings <
 *   objects < arrays < booleans < dates);
 * - a query is planned on the index whose leading fields it pins best:
 *   equality (`v`, `$eq`, `$in`) on a prefix, then one range (`$gt`, `$gte`,
 *   `$lt`, `$lte`, `$ne: null`, type-bracketed as MongoDB does) on the next
 *   field; `$and` parts are merged; `$or`, `$exists`, … stay residual filters;
 * - a sort is served by the index when its fields are the index's fields after
 *   the equality prefix (then optionally `_id`), all in one direction: the
 *   scan walks the index in order (merging the streams of an `$in` prefix) and
 *   stops at skip + limit;
 * - a query that no index serves (a filter or a sort on unindexed fields) is
 *   a collection scan, and is reported (DocStore.unindexedQueries, in
 *   GET /_local/stats) — the platform would scan too, or refuse the sort.
 *
 * Index directions are not kept (declared `-1` fields are walked in reverse
 * when a sort asks for it); a document with an array at an indexed path is
 * kept aside and always examined.
 */
import { EJSON } from 'bson';
import { isPlainObject, type Doc } from './ejson';

// ---------- value order ----------

const MIN_KEY = Symbol('minKey');
const MAX_KEY = Symbol('maxKey');
interface TypeEdge {
  __edge: true;
  edge: -1 | 1;
  rank: number;
}

function rank(v: unknown): number {
  if (v === undefined || v === null) return 1;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    case 'boolean':
      return 8;
  }
  if (v instanceof Date) return 9;
  if (v instanceof RegExp) return 11;
  if (Array.isArray(v)) return 5;
  if (isPlainObject(v)) return 4;
  return 6;
}

function isEdge(v: unknown): v is TypeEdge {
  return typeof v === 'object' && v !== null && (v as { __edge?: unknown }).__edge === true;
}
const typeMin = (r: number): TypeEdge => ({ __edge: true, edge: -1, rank: r });
const typeMax = (r: number): TypeEdge => ({ __edge: true, edge: 1, rank: r });

export function compareValues(a: unknown, b: unknown): number {
  if (a === MIN_KEY) return b === MIN_KEY ? 0 : -1;
  if (b === MIN_KEY) return 1;
  if (a === MAX_KEY) return b === MAX_KEY ? 0 : 1;
  if (b === MAX_KEY) return -1;
  if (isEdge(a)) {
    const rb = isEdge(b) ? b.rank : rank(b);
    if (a.rank !== rb) return a.rank - rb;
    if (isEdge(b)) return a.edge - b.edge;
    return a.edge;
  }
  if (isEdge(b)) return -compareValues(b, a);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1:
      return 0;
    case 2:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 3:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 8:
      return Number(a) - Number(b);
    case 9:
      return (a as Date).getTime() - (b as Date).getTime();
    default: {
      // biome-ignore lint/plugin/no-as-any: bson's EJSON.stringify is typed for a Document; an index value may be any EJSON value
      const sa = EJSON.stringify(a as any, { relaxed: false });
      // biome-ignore lint/plugin/no-as-any: as above
      const sb = EJSON.stringify(b as any, { relaxed: false });
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    }
  }
}

function getPath(doc: Doc, path: string): { value: unknown; array: boolean } {
  let cur: any = doc;
  for (const s of path.split('.')) {
    if (Array.isArray(cur)) return { value: undefined, array: true };
    if (cur === null || typeof cur !== 'object' || cur instanceof Date) return { value: undefined, array: false };
    cur = cur[s];
  }
  return { value: cur, array: Array.isArray(cur) };
}

// ---------- the index ----------

interface Entry {
  k: unknown[];
  id: unknown;
  key: string;
}

function compareEntries(a: Entry, b: Entry): number {
  for (let i = 0; i < a.k.length; i++) {
    const c = compareValues(a.k[i], b.k[i]);
    if (c !== 0) return c;
  }
  return compareValues(a.id, b.id);
}

/** Above this many changes in one batch, the order is rebuilt at the next query instead of kept entry by entry. */
const REBUILD_ABOVE = 256;

export class OrderedIndex {
  /** null: to be rebuilt from the documents at the next use */
  private entries: Entry[] | null = null;
  /** documents with an array at an indexed path: always examined */
  private aside = new Set<string>();

  constructor(readonly fields: string[]) {}

  private entryOf(key: string, doc: Doc): Entry | undefined {
    const k: unknown[] = [];
    for (const f of this.fields) {
      const { value, array } = getPath(doc, f);
      if (array) return undefined;
      k.push(value === undefined ? null : value);
    }
    return { k, id: doc._id, key };
  }

  private position(e: Entry): number {
    const list = this.entries!;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(list[mid], e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A batch of changes: [doc key, old doc?, new doc?]. */
  change(batch: [string, Doc | undefined, Doc | undefined][]): void {
    if (this.entries && batch.length > REBUILD_ABOVE) this.entries = null;
    for (const [key, old, next] of batch) {
      if (old && next) {
        // most writes leave the indexed fields as they were: nothing moves
        const a = this.entryOf(key, old);
        const b = this.entryOf(key, next);
        if (a && b && a.k.every((v, i) => compareValues(v, b.k[i]) === 0)) continue;
      }
      if (old) {
        this.aside.delete(key);
        if (this.entries) {
          const e = this.entryOf(key, old);
          if (e) {
            const i = this.position(e);
            if (i < this.entries.length && this.entries[i].key === key) this.entries.splice(i, 1);
          }
        }
      }
      if (next) {
        const e = this.entryOf(key, next);
        if (!e) this.aside.add(key);
        else if (this.entries) this.entries.splice(this.position(e), 0, e);
      }
    }
  }

  invalidate(): void {
    this.entries = null;
  }

  private ensure(docs: Map<string, Doc>): Entry[] {
    if (this.entries) return this.entries;
    const list: Entry[] = [];
    this.aside.clear();
    for (const [key, doc] of docs) {
      const e = this.entryOf(key, doc);
      if (e) list.push(e);
      else this.aside.add(key);
    }
    list.sort(compareEntries);
    this.entries = list;
    return list;
  }

  /** First position whose first probe.length values compare ≥ probe (tail -1) or > probe (tail +1). */
  private bound(list: Entry[], probe: unknown[], tail: -1 | 1): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      let c = 0;
      for (let i = 0; i < probe.length && c === 0; i++) c = compareValues(list[mid].k[i], probe[i]);
      if (c === 0) c = -tail;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The doc keys of one scan, in index order (reverse: descending), for the
   * given equality values of the leading fields and an optional range on the next.
   */
  *scan(docs: Map<string, Doc>, eq: unknown[], range: Range | undefined, reverse: boolean): Generator<string> {
    const list = this.ensure(docs);
    const low = range?.low ? [...eq, range.low.value] : eq;
    const high = range?.high ? [...eq, range.high.value] : eq;
    const start = this.bound(list, low, range?.low && !range.low.inclusive ? 1 : -1);
    const end = this.bound(list, high, range?.high && !range.high.inclusive ? -1 : 1);
    if (reverse) for (let i = end - 1; i >= start; i--) yield list[i].key;
    else for (let i = start; i < end; i++) yield list[i].key;
  }

  /** Index values of a doc key's current entry (for merging streams). */
  asideKeys(): Set<string> {
    return this.aside;
  }
}

// ---------- planning ----------

interface Bound {
  value: unknown;
  inclusive: boolean;
}
export interface Range {
  low?: Bound;
  high?: Bound;
}

interface FieldCond {
  eq?: unknown[];
  range?: Range;
}

const SCALAR_OK = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v) || v instanceof Date;

/** What a query pins, field by field (only what an index can use; the rest stays a residual filter). */
function conditions(query: Doc | undefined, out: Map<string, FieldCond> = new Map()): Map<string, FieldCond> {
  if (!query) return out;
  for (const [field, v] of Object.entries(query)) {
    if (field === '$and' && Array.isArray(v)) {
      for (const part of v) if (isPlainObject(part)) conditions(part, out);
      continue;
    }
    if (field.startsWith('$')) continue;
    const c = out.get(field) ?? {};
    if (SCALAR_OK(v)) {
      c.eq = intersect(c.eq, [v]);
    } else if (isPlainObject(v) && Object.keys(v).every((k) => k.startsWith('$'))) {
      for (const [op, arg] of Object.entries(v)) {
        if (op === '$eq' && SCALAR_OK(arg)) c.eq = intersect(c.eq, [arg]);
        else if (op === '$in' && Array.isArray(arg) && arg.every(SCALAR_OK) && arg.length > 0) c.eq = intersect(c.eq, arg);
        else if ((op === '$gt' || op === '$gte') && SCALAR_OK(arg) && arg !== null)
          c.range = { ...c.range, low: tighter(c.range?.low, { value: arg, inclusive: op === '$gte' }, 1) };
        else if ((op === '$lt' || op === '$lte') && SCALAR_OK(arg) && arg !== null)
          c.range = { ...c.range, high: tighter(c.range?.high, { value: arg, inclusive: op === '$lte' }, -1) };
        else if (op === '$ne' && arg === null) c.range = { ...c.range, low: tighter(c.range?.low, { value: typeMax(1), inclusive: false }, 1) };
      }
    } else continue;
    out.set(field, c);
  }
  return out;
}

function intersect(a: unknown[] | undefined, b: unknown[]): unknown[] {
  if (!a) return b.filter((x, i) => b.findIndex((y) => compareValues(x, y) === 0) === i);
  return a.filter((x) => b.some((y) => compareValues(x, y) === 0));
}

function tighter(a: Bound | undefined, b: Bound, dir: 1 | -1): Bound {
  if (!a) return b;
  const c = compareValues(a.value, b.value) * dir;
  if (c > 0) return a;
  if (c < 0) return b;
  return a.inclusive ? b : a;
}

/** Type bracketing: a range with a bound of one type covers that type only. */
function bracket(r: Range): Range {
  const low = r.low;
  const high = r.high;
  if (low && !high && !isEdge(low.value)) return { low, high: { value: typeMax(rank(low.value)), inclusive: true } };
  if (high && !low) return { low: { value: typeMin(rank(high.value)), inclusive: true }, high };
  if (low && high && !isEdge(low.value) && rank(low.value) !== rank(high.value)) return { low, high: { value: low.value, inclusive: false } };
  return r;
}

export interface Plan {
  kind: 'id' | 'index' | 'scan';
  index?: OrderedIndex;
  /** one list of leading equality values per scan */
  eqs: unknown[][];
  range?: Range;
  /** the scan's order is the sort's */
  sorted: boolean;
  reverse: boolean;
  /** an index or _id serves this query (false: a collection scan a declared index should serve) */
  served: boolean;
  /** fields of the index used, for the report */
  used: string[];
}

const MAX_SCANS = 200;

export function planQuery(indexes: OrderedIndex[], query: Doc | undefined, sort: Record<string, 1 | -1> | undefined): Plan {
  const conds = conditions(query);
  const sortKeys = sort ? Object.entries(sort) : [];
  let best: Plan | undefined;
  let bestScore = -1;
  for (const idx of indexes) {
    let prefix = 0;
    const eqLists: unknown[][] = [];
    let range: Range | undefined;
    for (const f of idx.fields) {
      const c = conds.get(f);
      if (c?.eq) {
        eqLists.push(c.eq);
        prefix++;
        continue;
      }
      if (c?.range) range = bracket(c.range);
      break;
    }
    // the sort is served when it names the index's fields after the equality prefix (then maybe _id), in one direction
    let sorted = false;
    let reverse = false;
    if (sortKeys.length) {
      const rest = idx.fields.slice(prefix);
      const names = sortKeys.map(([f]) => f);
      const dirs = sortKeys.map(([, d]) => d);
      const okFields =
        names.length <= rest.length
          ? names.every((n, i) => n === rest[i])
          : names.length === rest.length + 1 && names[names.length - 1] === '_id' && names.slice(0, -1).every((n, i) => n === rest[i]);
      if (okFields && dirs.every((d) => d === dirs[0])) {
        sorted = true;
        reverse = dirs[0] === -1;
      }
    }
    const combos = eqLists.reduce((n, l) => n * l.length, 1);
    if (combos > MAX_SCANS) continue;
    const used = prefix + (range ? 1 : 0);
    if (used === 0 && !sorted) continue;
    const score = used * 10 + (sorted ? 5 : 0);
    if (score > bestScore) {
      bestScore = score;
      best = { kind: 'index', index: idx, eqs: product(eqLists), range, sorted, reverse, served: true, used: idx.fields.slice(0, used || 0) };
    }
  }
  if (best) return best;
  const trivial = conds.size === 0 && !hasOperators(query) && sortKeys.length === 0;
  return { kind: 'scan', eqs: [], sorted: false, reverse: false, served: trivial, used: [] };
}

function hasOperators(q: Doc | undefined): boolean {
  return !!q && Object.keys(q).length > 0;
}

function product(lists: unknown[][]): unknown[][] {
  let out: unknown[][] = [[]];
  for (const l of lists) out = out.flatMap((p) => l.map((v) => [...p, v]));
  return out;
}

/**
 * The candidate doc keys of an index plan, in sort order when `plan.sorted`
 * (streams of an `$in` prefix merged on the index's remaining fields and _id).
 */
export function* candidates(plan: Plan, docs: Map<string, Doc>): Generator<string> {
  const idx = plan.index!;
  const aside = idx.asideKeys();
  if (aside.size) for (const k of aside) yield k;
  if (plan.eqs.length === 1 || !plan.sorted) {
    for (const eq of plan.eqs) yield* idx.scan(docs, eq, plan.range, plan.reverse);
    return;
  }
  const p = plan.eqs[0].length;
  const streams = plan.eqs.map((eq) => idx.scan(docs, eq, plan.range, plan.reverse));
  const heads = streams.map((s) => s.next());
  const keyOf = (key: string): unknown[] => {
    const d = docs.get(key)!;
    return [...idx.fields.slice(p).map((f) => getPath(d, f).value ?? null), d._id];
  };
  const headKeys = heads.map((h) => (h.done ? undefined : keyOf(h.value)));
  for (;;) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      if (heads[i].done) continue;
      if (pick < 0) {
        pick = i;
        continue;
      }
      const a = headKeys[i]!;
      const b = headKeys[pick]!;
      let c = 0;
      for (let j = 0; j < a.length && c === 0; j++) c = compareValues(a[j], b[j]);
      if (plan.reverse ? c > 0 : c < 0) pick = i;
    }
    if (pick < 0) return;
    yield heads[pick].value as string;
    heads[pick] = streams[pick].next();
    headKeys[pick] = heads[pick].done ? undefined : keyOf(heads[pick].value as string);
  }
}

/** A short description of a query's shape (field names and operators, no values) for reports. */
export function queryShape(query: Doc | undefined): unknown {
  const shape = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length && (isPlainObject(v[0]) || Array.isArray(v[0])) ? v.map(shape) : '…';
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
    return '…';
  };
  return shape(query ?? {});
}
