/**
 * Exact money conversions for order adapters: yuan written as decimal text
 * (or a number that prints as such) to integer fen, with no floating point
 * arithmetic, and the largest-remainder spread of an amount over weights.
 */
import { OrderShapeError } from './errors';

const YUAN = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

/**
 * "188" / "188.5" / "188.50" / 188.5 → 18850. Refuses (naming `field`)
 * negative amounts, more than two decimals, exponents, thousands separators,
 * empty text and anything that is not a plain decimal.
 */
export function yuanToFen(value: unknown, field: string): number {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new OrderShapeError(field, '金额不是有限数');
    text = String(value); // shortest round-trip text: 0.1 → "0.1", 1e21 → "1e+21" (refused below)
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new OrderShapeError(field, '缺少金额');
  }
  const m = YUAN.exec(text);
  if (!m) throw new OrderShapeError(field, `金额「${text}」不是最多两位小数的元`);
  const fen = BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0');
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) throw new OrderShapeError(field, '金额过大');
  return Number(fen);
}

/**
 * Spread `total` (fen) over `weights` proportionally, largest remainder
 * (ties: the earlier one first): Σ shares = total, each share within 1 fen of
 * its exact proportion. All weights zero → all on the first.
 */
export function largestRemainder(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`total ${total} is not a non-negative integer`);
  if (!weights.length) return [];
  const sum = weights.reduce((s, w) => s + BigInt(w), 0n);
  if (sum === 0n) return weights.map((_, i) => (i === 0 ? total : 0));
  const T = BigInt(total);
  const parts = weights.map((w, i) => ({ i, base: (T * BigInt(w)) / sum, rem: (T * BigInt(w)) % sum }));
  let left = T - parts.reduce((s, p) => s + p.base, 0n);
  const extra = new Array<bigint>(weights.length).fill(0n);
  for (const p of [...parts].sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1))) {
    if (left <= 0n) break;
    extra[p.i] = 1n;
    left -= 1n;
  }
  return parts.map((p, i) => Number(p.base + extra[i]));
}
