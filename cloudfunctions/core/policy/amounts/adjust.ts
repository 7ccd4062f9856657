/**
 * Merchant adjustment of a refund amount (domain.md "Amounts"): a
 * RETURN_REFUND may be lowered (the caller records the reason), never raised
 * above the computed maximum; a REFUND_ONLY amount is not adjustable.
 */
import type { ReturnType } from '../types';

export type AdjustErrorCode = 'AMOUNT_ABOVE_MAXIMUM' | 'AMOUNT_NOT_ADJUSTABLE' | 'AMOUNT_INVALID';

export type AdjustResult =
  | { ok: true; amount: number /** true when below the computed maximum: a reason is required. */; lowered: boolean }
  | { ok: false; code: AdjustErrorCode; message: string };

/**
 * `requested` undefined ⇒ the computed maximum. Otherwise it must be a
 * positive integer (fen): 0 < requested ≤ computedMax for RETURN_REFUND, and
 * exactly computedMax for REFUND_ONLY.
 */
export function adjustRefundAmount(type: ReturnType, computedMax: number, requested?: number | null): AdjustResult {
  if (!(typeof computedMax === 'number' && Number.isSafeInteger(computedMax) && computedMax >= 0)) {
    return { ok: false, code: 'AMOUNT_INVALID', message: '可退金额无效，请联系平台处理' };
  }
  if (requested === undefined || requested === null) return { ok: true, amount: computedMax, lowered: false };
  if (typeof requested !== 'number' || !Number.isSafeInteger(requested)) {
    return { ok: false, code: 'AMOUNT_INVALID', message: '退款金额须为整数（单位：分）' };
  }
  if (type === 'REFUND_ONLY') {
    if (requested !== computedMax) {
      return { ok: false, code: 'AMOUNT_NOT_ADJUSTABLE', message: '仅退款的退款金额不可调整' };
    }
    return { ok: true, amount: computedMax, lowered: false };
  }
  if (requested <= 0) {
    return { ok: false, code: 'AMOUNT_INVALID', message: '退款金额须大于 0' };
  }
  if (requested > computedMax) {
    return { ok: false, code: 'AMOUNT_ABOVE_MAXIMUM', message: `退款金额不能超过可退金额 ${formatYuan(computedMax)} 元` };
  }
  return { ok: true, amount: requested, lowered: requested < computedMax };
}

/** 12345 → "123.45" */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
