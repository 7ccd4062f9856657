/**
 * Update semantics: mingo applies the operators; this module adds the checks
 * MongoDB makes and mingo does not (immutable _id, conflicting paths, type
 * errors such as $inc on a string or $push on a non-array, creating a field
 * inside a scalar) and fixes the few places where mingo differs.
 */
import { update as mingoUpdate } from 'mingo';
import * as mingoUpdateOps from 'mingo/operators/update';
import { calculateObjectSize } from 'bson';
import { MAX_DOCUMENT_BYTES, MAX_NESTING_DEPTH } from '../limits';
import { DbError } from './errors';
import { clone, deepEqual, isPlainObject, type Doc } from './ejson';

const OPERATORS = new Set(['$set', '$setOnInsert', '$inc', '$mul', '$unset', '$push', '$pull', '$pullAll', '$addToSet', '$pop', '$rename', '$min', '$max', '$currentDate', '$bit']);

const NUMERIC_OPS = new Set(['$inc', '$mul']);
const ARRAY_OPS = new Set(['$push', '$addToSet', '$pull', '$pullAll', '$pop']);

export function isOperatorUpdate(data: Doc): boolean {
  return Object.keys(data).some((k) => k.startsWith('$'));
}

/**
 * Turns what arrived as `data` with merge=true into a pure operator document:
 * top-level plain keys (not produced by the SDK, but accepted) become `$set`.
 */
export function toOperatorUpdate(data: Doc, now: () => number): Doc {
  if (!isPlainObject(data)) throw new DbError('INVALID_PARAM', 'update data must be an object');
  const out: Doc = {};
  for (const [k, v] of Object.entries(data)) {
    if (k.startsWith('$')) {
      if (!OPERATORS.has(k)) {
        throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] Unknown modifier: ${k}. Expected a valid update modifier`);
      }
      if (!isPlainObject(v)) {
        throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] Modifiers operate on fields but we found type ${typeof v} instead for ${k}`);
      }
      if (k === '$currentDate') {
        // resolved against the emulator's clock
        const set = (out.$set ??= {});
        for (const path of Object.keys(v)) set[path] = new Date(now());
        continue;
      }
      out[k] = { ...(out[k] ?? {}), ...v };
    } else {
      (out.$set ??= {})[k] = v;
    }
  }
  return out;
}

function segmentsOf(path: string): string[] {
  return path.split('.');
}

function overlaps(a: string, b: string): boolean {
  if (a === b) return true;
  return a.startsWith(b + '.') || b.startsWith(a + '.');
}

/** Throws like MongoDB on conflicting paths and on changes to `_id`. */
export function checkUpdatePaths(update: Doc, current: Doc | undefined): void {
  const seen: { path: string; op: string }[] = [];
  for (const [op, spec] of Object.entries(update)) {
    if (!OPERATORS.has(op) || op === '$currentDate') {
      throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] Unknown modifier: ${op}. Expected a valid update modifier`);
    }
    if (!isPlainObject(spec)) {
      throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] Modifiers operate on fields but we found another type instead for ${op}`);
    }
    if (op === '$setOnInsert' && current) continue;
    for (const path of Object.keys(spec)) {
      if (path === '' || path.split('.').some((s) => s === '')) {
        throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] The update path '${path}' contains an empty field name, which is not allowed.`);
      }
      const targets = op === '$rename' ? [path, String(spec[path])] : [path];
      for (const t of targets) {
        if (t === '_id' || t.startsWith('_id.')) {
          const sameValue = op === '$set' && current !== undefined && t === '_id' && deepEqual(spec[path], current._id);
          if (!sameValue) {
            throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] Performing an update on the path '_id' would modify the immutable field '_id'`);
          }
        }
        for (const s of seen) {
          if (overlaps(s.path, t)) {
            const [shorter] = [s.path, t].sort((x, y) => x.length - y.length);
            throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] Updating the path '${t}' would create a conflict at '${shorter}'`);
          }
        }
        seen.push({ path: t, op });
      }
    }
  }
}

interface PathProbe {
  exists: boolean;
  value: unknown;
  /** a scalar met on the way: a field cannot be created inside it */
  blockedBy?: { path: string; value: unknown };
}

function probe(doc: Doc, path: string): PathProbe {
  const segs = segmentsOf(path);
  let cur: any = doc;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s.startsWith('$')) return { exists: false, value: undefined }; // positional: not checked
    if (cur === null || cur === undefined) return { exists: false, value: undefined };
    if (typeof cur !== 'object' || cur instanceof Date || cur instanceof RegExp) {
      return { exists: false, value: undefined, blockedBy: { path: segs.slice(0, i).join('.'), value: cur } };
    }
    if (Array.isArray(cur) && !/^\d+$/.test(s)) {
      return { exists: false, value: undefined, blockedBy: { path: segs.slice(0, i).join('.'), value: cur } };
    }
    if (!(s in cur)) return { exists: false, value: undefined };
    cur = cur[s];
  }
  return { exists: true, value: cur };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  return typeof v;
}

function checkTypes(update: Doc, doc: Doc): void {
  for (const [op, spec] of Object.entries(update)) {
    for (const [path, arg] of Object.entries(spec as Doc)) {
      const p = probe(doc, path);
      if (p.blockedBy && op !== '$unset' && op !== '$pull' && op !== '$pullAll' && op !== '$pop') {
        throw new DbError(
          'DATABASE_REQUEST_FAILED',
          `[FailedOperation] Cannot create field '${path.slice(p.blockedBy.path.length + 1).split('.')[0]}' in element {${p.blockedBy.path}: ${JSON.stringify(p.blockedBy.value)}}`,
        );
      }
      if (NUMERIC_OPS.has(op)) {
        if (typeof arg !== 'number') {
          throw new DbError(
            'DATABASE_REQUEST_FAILED',
            `[FailedOperation] Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${JSON.stringify(arg)}}`,
          );
        }
        if (p.exists && typeof p.value !== 'number') {
          throw new DbError(
            'DATABASE_REQUEST_FAILED',
            `[FailedOperation] Cannot apply ${op} to a value of non-numeric type. {_id: ${JSON.stringify(doc._id)}} has the field '${path}' of non-numeric type ${typeName(p.value)}`,
          );
        }
      }
      if (ARRAY_OPS.has(op) && p.exists && !Array.isArray(p.value)) {
        if (op === '$pull' || op === '$pullAll' || op === '$pop') {
          if (p.value === null || p.value === undefined) continue;
          throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] Cannot apply ${op} to a non-array value`);
        }
        throw new DbError(
          'DATABASE_REQUEST_FAILED',
          `[FailedOperation] The field '${path}' must be an array but is of type ${typeName(p.value)} in document {_id: ${JSON.stringify(doc._id)}}`,
        );
      }
      if (op === '$pullAll' && !Array.isArray(arg)) {
        throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] $pullAll requires an array argument but was given a ${typeName(arg)}`);
      }
      if (op === '$rename' && typeof arg !== 'string') {
        throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] The 'to' field for $rename must be a string: ${path}: ${JSON.stringify(arg)}`);
      }
    }
  }
}

/** mingo keeps duplicates of `$addToSet: { $each }` when the field is missing: dedupe first. */
function fixAddToSet(update: Doc): Doc {
  const spec = update.$addToSet;
  if (!spec) return update;
  const fixed: Doc = {};
  for (const [path, arg] of Object.entries(spec as Doc)) {
    if (isPlainObject(arg) && Array.isArray(arg.$each)) {
      const each: unknown[] = [];
      for (const v of arg.$each) if (!each.some((e) => deepEqual(e, v))) each.push(v);
      fixed[path] = { ...arg, $each: each };
    } else fixed[path] = arg;
  }
  return { ...update, $addToSet: fixed };
}

type UpdateOpFn = (expr: Doc) => (obj: Doc) => string[];
const UPDATE_OPS = mingoUpdateOps as unknown as Record<string, UpdateOpFn>;

/**
 * Runs mingo's update operators. mingo's `update()` builds a fresh operator
 * context on every call (~100 µs); calling the operator functions directly
 * (with mingo's default options) is ~20× faster. Paths with positional
 * operators (`a.$.b`, `a.$[]`) need the query, so they take `update()`.
 */
function runMingo(copy: Doc, u: Doc, condition: Doc | undefined): string[] {
  const positional = Object.values(u).some((spec) => Object.keys(spec as Doc).some((p) => p.includes('$')));
  // biome-ignore lint/plugin/no-as-any: mingo types update and condition as its own UpdateExpression/Query; the SDK's operators are passed through as sent
  if (positional) return mingoUpdate(copy, u as any, undefined, (condition ?? {}) as any, { cloneMode: 'deep' });
  const changed: string[] = [];
  for (const op of Object.keys(u)) {
    const fn = UPDATE_OPS[op];
    if (!fn) throw new Error(`Unknown update operator: '${op}'.`);
    for (const f of fn(u[op])(copy)) changed.push(f);
  }
  return changed;
}

/**
 * Applies an operator update to a copy of `doc`. Returns the new document
 * (or the same object when nothing changed) — the stored one is not touched.
 * `condition` (the query that selected the document) serves positional paths.
 */
export function applyOperatorUpdate(doc: Doc, update: Doc, opts: { inserting?: boolean; condition?: Doc } = {}): { doc: Doc; modified: boolean } {
  checkUpdatePaths(update, opts.inserting ? undefined : doc);
  let u = update;
  if (u.$setOnInsert) {
    const { $setOnInsert, ...rest } = u;
    u = opts.inserting ? { ...rest, $set: { ...(rest.$set ?? {}), ...$setOnInsert } } : rest;
  }
  u = fixAddToSet(u);
  if (u.$set && '_id' in u.$set) {
    // same value (checked above): MongoDB accepts it, mingo does not
    const { _id: _same, ...restSet } = u.$set;
    u = { ...u, $set: restSet };
  }
  checkTypes(u, doc);
  const copy = clone(doc);
  let changed: string[];
  try {
    changed = runMingo(copy, clone(u), opts.condition);
  } catch (e) {
    throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] ${(e as Error).message}`);
  }
  if (changed.length === 0 || deepEqual(copy, doc)) return { doc, modified: false };
  if (!deepEqual(copy._id, doc._id)) {
    throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] Performing an update on the path '_id' would modify the immutable field '_id'`);
  }
  return { doc: copy, modified: true };
}

/** merge=false: the document is replaced, `_id` kept. */
export function applyReplacement(doc: Doc, replacement: Doc): { doc: Doc; modified: boolean } {
  if (!isPlainObject(replacement)) throw new DbError('INVALID_PARAM', 'replacement data must be an object');
  if ('_id' in replacement && !deepEqual(replacement._id, doc._id)) {
    throw new DbError(
      'DATABASE_REQUEST_FAILED',
      `[FailedOperation] After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${JSON.stringify(replacement._id)}`,
    );
  }
  checkFieldNames(replacement);
  const { _id: _ignored, ...rest } = replacement;
  const next: Doc = { _id: doc._id, ...clone(rest) };
  if (deepEqual(next, doc)) return { doc, modified: false };
  return { doc: next, modified: true };
}

/** Stored documents cannot have `$`-prefixed or dotted top-level field names (MongoDB rule). */
export function checkFieldNames(doc: Doc): void {
  for (const k of Object.keys(doc)) {
    if (k.startsWith('$')) {
      throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] The dollar ($) prefixed field '${k}' is not valid for storage.`);
    }
  }
}

/**
 * What a stored document must be (MongoDB, which CloudBase's document
 * database is; docs/platform-limits.md "Cloud database"): no field name,
 * at any depth, may start with `$` or contain `.`; at most 100 levels of
 * nesting (each object or array adds one); at most 16 MB as BSON. Walked
 * without recursion so a pathological document cannot overflow the stack.
 */
export function checkStorable(doc: Doc): void {
  const stack: [unknown, string, number][] = [[doc, '', 1]];
  while (stack.length) {
    const [v, at, depth] = stack.pop()!;
    if (depth > MAX_NESTING_DEPTH) {
      throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] cannot store the document: it exceeds the maximum nesting depth of ${MAX_NESTING_DEPTH} levels (at '${at}')`);
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        if (x !== null && typeof x === 'object') stack.push([x, at ? `${at}.${i}` : String(i), depth + 1]);
      });
      continue;
    }
    if (!isPlainObject(v)) continue;
    for (const [k, x] of Object.entries(v)) {
      const full = at ? `${at}.${k}` : k;
      if (k.startsWith('$')) throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] The dollar ($) prefixed field '${k}' in '${full}' is not valid for storage.`);
      if (k.includes('.')) throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] The dotted field '${k}' in '${full}' is not valid for storage.`);
      if (x !== null && typeof x === 'object') stack.push([x, full, depth + 1]);
    }
  }
  const size = calculateObjectSize(doc);
  if (size > MAX_DOCUMENT_BYTES) {
    throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] object to insert too large: ${size} bytes as BSON, the maximum is ${MAX_DOCUMENT_BYTES} (16 MB)`);
  }
}

/** Fields a query fixes by equality (used to build an upserted document). */
export function equalityFields(query: Doc): Doc {
  const out: Doc = {};
  for (const [k, v] of Object.entries(query ?? {})) {
    if (k.startsWith('$')) {
      if (k === '$and' && Array.isArray(v)) for (const sub of v) Object.assign(out, equalityFields(sub));
      continue;
    }
    if (isPlainObject(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$eq') out[k] = v.$eq;
      else if (!keys.some((x) => x.startsWith('$'))) out[k] = v;
      continue;
    }
    if (v instanceof RegExp) continue;
    out[k] = v;
  }
  return out;
}

/** Builds a nested document from dotted paths ({'a.b': 1} → {a: {b: 1}}). */
export function expandDotted(flat: Doc): Doc {
  const out: Doc = {};
  for (const [path, v] of Object.entries(flat)) {
    const segs = path.split('.');
    let cur = out;
    for (let i = 0; i < segs.length - 1; i++) {
      if (!isPlainObject(cur[segs[i]])) cur[segs[i]] = {};
      cur = cur[segs[i]];
    }
    cur[segs[segs.length - 1]] = clone(v);
  }
  return out;
}
