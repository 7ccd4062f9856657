/**
 * The platform limits the emulator enforces by default (docs/platform-limits.md
 * has one row per limit with its source and the test that shows it). One
 * place, so the table, the code and the tests name the same numbers.
 */

/** callFunction event: 100 KB. SCF documents 6 MB for a synchronous event, CloudBase 100 KB for a text body and recommends ≤ 100 KB for `data`: the stricter is enforced. */
export const MAX_EVENT_BYTES = 100 * 1024;
/** A function's return value, serialized: 6 MB (SCF "同步请求响应大小"). */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
/** Nesting of an event, of a stored document: 100 levels (MongoDB, which CloudBase's document database is). */
export const MAX_NESTING_DEPTH = 100;
/** Stored document: 16 MB BSON (MongoDB). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Indexes a collection may declare besides `_id` (云开发 quota: 单集合索引限制 10 个). */
export const MAX_INDEXES_PER_COLLECTION = 10;

/**
 * SOURCE values of getWXContext() (Cloud.getWXContext docs): one or more of
 * these joined with commas (`wx_client,scf`).
 */
export const SOURCE_VALUES = new Set([
  'wx_devtools',
  'wx_client',
  'wx_http',
  'wx_trigger',
  'wx_paycallback',
  'wx_crawler',
  'wx_localdebug',
  'wx_unknown',
  'scf',
  // Message pushes routed to a function (e.g. wxa_media_check): no document names the value; the emulator uses this one.
  'wx_msgpush',
]);

/** undefined when every segment of the chain is a documented SOURCE value; otherwise the reason. */
export function invalidSource(source: string): string | undefined {
  const parts = source.split(',').map((s) => s.trim());
  const bad = parts.filter((p) => !SOURCE_VALUES.has(p));
  if (bad.length === 0) return undefined;
  return `unknown SOURCE ${JSON.stringify(bad.join(','))}: use ${[...SOURCE_VALUES].join(' | ')}, chained with commas`;
}

/**
 * Nesting depth of a JSON-like value (a scalar is 0, `{}` is 1), without
 * recursion (a 5,000-deep value must not overflow the stack). Stops counting
 * past `cap` and returns cap + 1.
 */
export function nestingDepth(value: unknown, cap = Number.MAX_SAFE_INTEGER): number {
  if (value === null || typeof value !== 'object') return 0;
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > max) {
      max = d;
      if (max > cap) return cap + 1;
    }
    if (v instanceof Date || ArrayBuffer.isView(v)) continue;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push([c, d + 1]);
  }
  return max;
}

/** UTF-8 bytes of a JSON value, or undefined when it cannot be serialized. */
export function jsonBytes(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value ?? null);
    return text === undefined ? 0 : Buffer.byteLength(text);
  } catch {
    return undefined;
  }
}
