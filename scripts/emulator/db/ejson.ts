/**
 * Wire values: the SDK sends queries, data, orders and projections as EJSON
 * strings (bson canonical mode) and parses result lists the same way.
 *
 * Decoding also turns bson wrapper types into plain JS values the store and
 * mingo understand (BSONRegExp → RegExp, Long/Int32/Double → number) and
 * resolves `{ $tcb_server_date: { offset } }` (db.serverDate()) against the
 * emulator's virtual clock.
 */
import { EJSON } from 'bson';

export type Doc = Record<string, any>;

/** Parses one EJSON string from the SDK into plain JS values. */
export function decodeEJSON(text: string, now: () => number): any {
  const parsed = EJSON.parse(text, { relaxed: true });
  return normalize(parsed, now);
}

/** Stringifies a document the way the SDK expects it (canonical EJSON). */
export function encodeEJSON(value: unknown): string {
  // biome-ignore lint/plugin/no-as-any: bson's EJSON.stringify is typed for a Document; any value the SDK sends is stringified the same way
  return EJSON.stringify(value as any, { relaxed: false });
}

/**
 * On-disk encoding (log and snapshot): relaxed EJSON — plain JSON numbers and
 * strings, `{"$date": "<ISO>"}` for Dates (`{"$date": {"$numberLong": ms}}` outside
 * years 1970–9999), `{"$regularExpression": ...}`, `{"$numberDouble": "NaN"}`,
 * `{"$binary": ...}`. Written with JSON.stringify + a replacer (much faster than
 * bson's EJSON for whole documents); read back by decodeRelaxed, which also
 * accepts anything bson's EJSON writes.
 */
export function encodeRelaxed(value: unknown): string {
  return enc(value);
}

function enc(v: any): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (Number.isFinite(v)) return JSON.stringify(v);
      return `{"$numberDouble":"${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}"}`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return `{"$numberLong":"${v.toString()}"}`;
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          if (i) out += ',';
          out += x === undefined || typeof x === 'function' || typeof x === 'symbol' ? 'null' : enc(x);
        }
        return out + ']';
      }
      if (v instanceof Date) {
        const t = v.getTime();
        if (Number.isNaN(t)) return 'null';
        return t >= 0 && t <= 253402300799999 ? `{"$date":"${v.toISOString()}"}` : `{"$date":{"$numberLong":"${t}"}}`;
      }
      if (v instanceof RegExp) return `{"$regularExpression":{"pattern":${JSON.stringify(v.source)},"options":"${v.flags}"}}`;
      if (Buffer.isBuffer(v)) return `{"$binary":{"base64":"${v.toString('base64')}","subType":"00"}}`;
      let out = '{';
      let first = true;
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        const x = v[k];
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(k) + ':' + enc(x);
      }
      return out + '}';
    }
    default:
      return 'null';
  }
}

export function decodeRelaxed(text: string): any {
  const v = JSON.parse(text);
  return text.includes('"$') ? reviveDisk(v) : v;
}

function reviveDisk(v: any): any {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = reviveDisk(v[i]);
    return v;
  }
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0].charCodeAt(0) === 36 /* $ */) {
    const k = keys[0];
    const x = v[k];
    switch (k) {
      case '$date': {
        if (typeof x === 'string') return new Date(x);
        if (typeof x === 'number') return new Date(x);
        if (x && typeof x === 'object' && typeof x.$numberLong === 'string') return new Date(Number(x.$numberLong));
        break;
      }
      case '$numberLong':
      case '$numberInt':
      case '$numberDouble':
      case '$numberDecimal':
        if (typeof x === 'string') return Number(x);
        break;
      case '$regularExpression':
        if (x && typeof x.pattern === 'string') return fromBson({ pattern: x.pattern, options: x.options ?? '' }, 'BSONRegExp');
        break;
      case '$binary':
        if (x && typeof x.base64 === 'string') return Buffer.from(x.base64, 'base64');
        break;
      case '$oid':
        if (typeof x === 'string') return x;
        break;
    }
  }
  for (const k of keys) v[k] = reviveDisk(v[k]);
  return v;
}

export function isPlainObject(v: unknown): v is Record<string, any> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Normalizes a value tree (in place where possible): bson wrappers → JS
 * values, `$tcb_server_date` → Date(now + offset).
 */
export function normalize(value: any, now: () => number): any {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (value instanceof RegExp) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = normalize(value[i], now);
    return value;
  }
  const bsontype = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsontype === 'string') return fromBson(value, bsontype);
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$tcb_server_date') {
      const spec = value.$tcb_server_date;
      const offset = Number(spec && typeof spec === 'object' ? (normalize(spec.offset, now) ?? 0) : 0) || 0;
      return new Date(now() + offset);
    }
    for (const k of keys) value[k] = normalize(value[k], now);
    return value;
  }
  return value;
}

function fromBson(value: any, type: string): any {
  switch (type) {
    case 'BSONRegExp': {
      // JS has no 'x' (extended) flag; drop flags JS does not know
      const flags = String(value.options ?? '')
        .split('')
        .filter((f) => 'gimsuy'.includes(f))
        .join('');
      return new RegExp(value.pattern, flags);
    }
    case 'Long':
    case 'Int32':
    case 'Double':
      return Number(value.valueOf?.() ?? value.toString());
    case 'Decimal128':
      return Number(value.toString());
    case 'ObjectId':
    case 'ObjectID':
      return value.toHexString();
    default:
      return value;
  }
}

/** Deep copy that keeps Dates and RegExps. */
export function clone<T>(v: T): T {
  return cloneValue(v);
}

function cloneValue(v: any): any {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return new Date(v.getTime());
  if (v instanceof RegExp) return new RegExp(v.source, v.flags);
  if (Array.isArray(v)) return v.map(cloneValue);
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  const out: Record<string, any> = {};
  for (const k of Object.keys(v)) out[k] = cloneValue(v[k]);
  return out;
}

/** Deep equality for stored values (Dates by time, RegExps by source+flags). */
export function deepEqual(a: any, b: any): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof RegExp || b instanceof RegExp) return a instanceof RegExp && b instanceof RegExp && a.source === b.source && a.flags === b.flags;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    // key order matters in BSON documents
    if (ka[i] !== kb[i]) return false;
    if (!deepEqual(a[ka[i]], b[kb[i]])) return false;
  }
  return true;
}

/**
 * Converts JSON coming from the HTTP seed route: EJSON (`{"$date": ...}`) is
 * decoded, and any string that is a full ISO-8601 instant (date 'T' time with
 * 'Z' or a ±hh:mm offset) becomes a Date.
 */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function reviveSeedValue(value: any, now: () => number): any {
  const v = normalize(EJSON.deserialize(value, { relaxed: true }), now);
  return reviveIso(v);
}

function reviveIso(v: any): any {
  if (typeof v === 'string') {
    if (ISO_INSTANT.test(v)) {
      const d = new Date(v);
      if (!Number.isNaN(d.getTime())) return d;
    }
    return v;
  }
  if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof RegExp) return v;
  if (Array.isArray(v)) return v.map(reviveIso);
  for (const k of Object.keys(v)) v[k] = reviveIso(v[k]);
  return v;
}

/** Whether JSON's own rules differ from toPlainJson's somewhere in `v`: a RegExp, or an object (not a Date) whose class has a toJSON (a Buffer…). */
function needsPlain(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || v instanceof Date) return false;
  if (v instanceof RegExp) return true;
  if (Array.isArray(v)) {
    for (const x of v) if (needsPlain(x)) return true;
    return false;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return true;
  for (const k in v) if (Object.hasOwn(v, k) && needsPlain((v as Record<string, unknown>)[k])) return true;
  return false;
}

/**
 * JSON.stringify(toPlainJson(v)), without building the copy first: JSON.stringify walks `v` itself — with no
 * replacer when JSON's own rules give the same text (plain objects, arrays, Dates: the usual documents), else with
 * one that answers as toPlainJson does where they differ (RegExp, Buffer, a class with a toJSON).
 */
export function plainJsonText(v: unknown): string {
  if (!needsPlain(v)) return JSON.stringify(v);
  return JSON.stringify(v, function plain(this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (raw === null || typeof raw !== 'object' || raw instanceof Date) return value;
    if (raw instanceof RegExp) return raw.toString();
    if (Array.isArray(raw) || typeof (raw as { toJSON?: unknown }).toJSON !== 'function') return value;
    // an object whose class has a toJSON (a Buffer…): toPlainJson copies its own keys
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(raw)) out[k] = (raw as Record<string, unknown>)[k];
    return out;
  });
}

/** Plain JSON for HTTP readers: Dates as ISO strings, RegExps as strings. */
export function toPlainJson(v: any): any {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof RegExp) return v.toString();
  if (Array.isArray(v)) return v.map(toPlainJson);
  const out: Record<string, any> = {};
  for (const k of Object.keys(v)) out[k] = toPlainJson(v[k]);
  return out;
}
