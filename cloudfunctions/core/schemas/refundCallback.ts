/**
 * refundCallback: the payment platform's refund notification (api.md).
 * Keys may arrive in camelCase or snake_case (out_refund_no …), at top level
 * or inside `reqInfo` / `req_info` (the decrypted part), v3-style `amount`
 * {total, refund} is mapped to totalFee/refundFee, numbers may be strings.
 * Output is camelCase. v3 statuses CLOSED / ABNORMAL are mapped to the v2
 * names REFUNDCLOSE / CHANGE. The payload is never trusted alone: the function
 * confirms with queryRefund.
 */
import { z } from 'zod';

export const REFUND_NOTIFY_STATUSES = ['SUCCESS', 'CHANGE', 'REFUNDCLOSE'] as const;
export type RefundNotifyStatus = (typeof REFUND_NOTIFY_STATUSES)[number];

export function snakeToCamel(key: string): string {
  return key.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Shallow key normalisation; camelCase keys win over their snake_case twins. */
function camelKeys(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const c = snakeToCamel(k);
    if (c === k || !(c in obj)) out[c] = v;
  }
  return out;
}

export function normaliseRefundNotification(input: unknown): unknown {
  if (!isPlainObject(input)) return input;
  const top = camelKeys(input);
  const inner = isPlainObject(top.reqInfo) ? camelKeys(top.reqInfo) : {};
  const merged: Record<string, unknown> = { ...top, ...inner };
  delete merged.reqInfo;
  if (isPlainObject(merged.amount)) {
    const amount = camelKeys(merged.amount);
    if (merged.totalFee === undefined && amount.total !== undefined) merged.totalFee = amount.total;
    if (merged.refundFee === undefined && amount.refund !== undefined) merged.refundFee = amount.refund;
    delete merged.amount;
  }
  if (merged.refundStatus === 'CLOSED') merged.refundStatus = 'REFUNDCLOSE';
  if (merged.refundStatus === 'ABNORMAL') merged.refundStatus = 'CHANGE';
  return merged;
}

/** Non-negative integer that may arrive as a decimal string ("100"). */
const intLike = (label: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ error: `${label} 必须是整数` })
      .int({ error: `${label} 必须是整数` })
      .min(0, { error: `${label} 不能为负数` }),
  );

const str = (label: string, max = 128) => z.string({ error: `${label}格式不正确` }).max(max, { error: `${label}过长` });

export const refundNotificationObject = z.object({
  returnCode: str('returnCode', 16).optional(),
  returnMsg: str('returnMsg', 256).optional(),
  resultCode: str('resultCode', 16).optional(),
  appid: str('appid', 64).optional(),
  mchId: str('mchId', 64).optional(),
  subMchId: str('subMchId', 64).optional(),
  nonceStr: str('nonceStr', 64).optional(),
  outRefundNo: z
    .string({ error: (iss) => (iss.input === undefined ? '缺少 outRefundNo' : 'outRefundNo 格式不正确') })
    .trim()
    .min(1, { error: 'outRefundNo 不能为空' })
    .max(64, { error: 'outRefundNo 格式不正确' }),
  outTradeNo: str('outTradeNo', 64).optional(),
  transactionId: str('transactionId', 64).optional(),
  refundId: str('refundId', 64).optional(),
  totalFee: intLike('totalFee').optional(),
  refundFee: intLike('refundFee').optional(),
  settlementTotalFee: intLike('settlementTotalFee').optional(),
  settlementRefundFee: intLike('settlementRefundFee').optional(),
  refundStatus: z.enum(REFUND_NOTIFY_STATUSES, { error: 'refundStatus 无效（SUCCESS / CHANGE / REFUNDCLOSE）' }).optional(),
  successTime: str('successTime', 64).optional(),
  refundRecvAccout: str('refundRecvAccout', 256).optional(),
  refundAccount: str('refundAccount', 64).optional(),
  refundRequestSource: str('refundRequestSource', 64).optional(),
});

export const refundCallbackSchema = z.preprocess(normaliseRefundNotification, refundNotificationObject);

export type RefundCallbackInput = z.infer<typeof refundCallbackSchema>;
