/**
 * Shared field schemas (api.md "Every function"). Objects strip unknown keys
 * (zod's default), so the platform-injected `event.userInfo` and any identity
 * field a client might send (openid, buyerOpenid, role...) never reach the
 * functions: identity comes only from getWXContext.
 */
import { z } from 'zod';
import { REASON_CODES } from '../policy/reasons';
import { ALL_STATUSES } from '../machine/statuses';
import type { ReasonCode, ReturnStatus, ReturnType } from '../policy/types';

export const REQUEST_ID_RE = /^[0-9A-Za-z_-]{8,64}$/;
export const RETURN_ID_RE = /^R\d{8}\d+$/;
/** Chinese mobile number. */
export const MOBILE_RE = /^1[3-9]\d{9}$/;
/** Chinese landline: area code 0xx / 0xxx, optional dash, 7–8 digits, optional extension. */
export const LANDLINE_RE = /^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$/;

/** Error param: one message when the field is missing, another when it is wrong. */
export function fieldError(missing: string, invalid: string) {
  return { error: (iss: { input?: unknown }) => (iss.input === undefined ? missing : invalid) };
}

export const MAX_DESCRIPTION = 500;
export const MAX_NOTE = 500;
export const MAX_LINES = 50;
export const MAX_EVIDENCE = 9;

export const requestId = z
  .string({ error: (iss) => (iss.input === undefined ? '缺少 requestId' : 'requestId 格式不正确') })
  .regex(REQUEST_ID_RE, { error: 'requestId 格式不正确（8–64 位字母、数字、_ 或 -）' });

export const returnId = z
  .string({ error: (iss) => (iss.input === undefined ? '缺少售后单号 returnId' : '售后单号 returnId 格式不正确') })
  .max(64, { error: '售后单号 returnId 格式不正确' })
  .regex(RETURN_ID_RE, { error: '售后单号 returnId 格式不正确' });

export const orderId = z
  .string({ error: (iss) => (iss.input === undefined ? '缺少订单号 orderId' : '订单号 orderId 格式不正确') })
  .trim()
  .min(1, { error: '订单号 orderId 不能为空' })
  .max(64, { error: '订单号 orderId 格式不正确' });

export const fileID = z
  .string({ error: (iss) => (iss.input === undefined ? '缺少文件 fileID' : '文件 fileID 格式不正确') })
  .max(1024, { error: '文件 fileID 过长' })
  .refine((s) => s.startsWith('cloud://') && s.length > 'cloud://'.length, { error: '文件 fileID 必须是云存储文件（cloud:// 开头）' });

export const description = z
  .string({ error: '问题描述必须是文字' })
  .trim()
  .max(MAX_DESCRIPTION, { error: `问题描述不能超过 ${MAX_DESCRIPTION} 字` });

export const note = z
  .string({ error: '备注必须是文字' })
  .trim()
  .max(MAX_NOTE, { error: `备注不能超过 ${MAX_NOTE} 字` });

/** A required, non-empty free text (reject reason, appeal description, offline-refund note). */
/** A message (留言): text ≤ 500 characters, up to 3 photos through the evidence pipeline. */
export const MAX_MESSAGE = 500;
export const MAX_MESSAGE_PHOTOS = 3;

export function requiredText(label: string, max = MAX_NOTE) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? `请填写${label}` : `${label}必须是文字`) })
    .trim()
    .min(1, { error: `请填写${label}` })
    .max(max, { error: `${label}不能超过 ${max} 字` });
}

export const returnType = z.enum(
  ['REFUND_ONLY', 'RETURN_REFUND', 'EXCHANGE'] satisfies ReturnType[],
  fieldError('请选择售后类型 type', '售后类型 type 无效（REFUND_ONLY 仅退款 / RETURN_REFUND 退货退款 / EXCHANGE 换货）'),
);

export const reasonCode = z.enum(REASON_CODES as [ReasonCode, ...ReasonCode[]], fieldError('请选择售后原因 reason', '售后原因 reason 无效'));

/** Every after-sale status, from the machine's table (machine/statuses.ts): never restated here. */
export const RETURN_STATUSES = ALL_STATUSES as [ReturnStatus, ...ReturnStatus[]];

export const returnStatus = z.enum(RETURN_STATUSES, { error: '售后状态 status 无效' });

/** Integer fen, ≥ 0. */
export const fen = z
  .number({ error: '金额必须是数字（单位：分）' })
  .int({ error: '金额必须是整数（单位：分）' })
  .min(0, { error: '金额不能为负数' })
  .max(Number.MAX_SAFE_INTEGER, { error: '金额过大' });

export const requestedLine = z.object({
  lineId: z
    .string({ error: (iss) => (iss.input === undefined ? '缺少商品行 lineId' : '商品行 lineId 格式不正确') })
    .trim()
    .min(1, { error: '商品行 lineId 不能为空' })
    .max(64, { error: '商品行 lineId 格式不正确' }),
  quantity: z
    .number({ error: (iss) => (iss.input === undefined ? '请填写退款数量' : '退款数量必须是数字') })
    .int({ error: '退款数量必须是整数' })
    .min(1, { error: '退款数量至少为 1' })
    .max(100_000, { error: '退款数量过大' }),
});

export const requestedLines = z
  .array(requestedLine, { error: '请选择要退款的商品' })
  .min(1, { error: '请至少选择一件商品' })
  .max(MAX_LINES, { error: `一次最多选择 ${MAX_LINES} 个商品` })
  .superRefine((lines, ctx) => {
    const seen = new Set<string>();
    lines.forEach((l, i) => {
      if (seen.has(l.lineId)) ctx.addIssue({ code: 'custom', path: [i, 'lineId'], message: '同一商品不能重复选择' });
      seen.add(l.lineId);
    });
  });

/** 换货: the replacement SKU per requested line (type EXCHANGE only; the policy checks product, price and stock). */
export const replacements = z
  .array(
    z.object({
      lineId: requestedLine.shape.lineId,
      skuId: z
        .string({ error: (iss) => (iss.input === undefined ? '请选择换货规格 skuId' : '换货规格 skuId 格式不正确') })
        .trim()
        .min(1, { error: '请选择换货规格 skuId' })
        .max(64, { error: '换货规格 skuId 格式不正确' }),
    }),
    { error: '换货规格 replacements 必须是列表' },
  )
  .max(MAX_LINES, { error: `一次最多选择 ${MAX_LINES} 个商品` })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((r, i) => {
      if (seen.has(r.lineId)) ctx.addIssue({ code: 'custom', path: [i, 'lineId'], message: '同一商品只能选择一个换货规格' });
      seen.add(r.lineId);
    });
  });

export const evidenceFiles = z
  .array(fileID, { error: '凭证必须是文件列表' })
  .max(MAX_EVIDENCE, { error: `凭证最多 ${MAX_EVIDENCE} 个` })
  .superRefine((files, ctx) => {
    const seen = new Set<string>();
    files.forEach((f, i) => {
      if (seen.has(f)) ctx.addIssue({ code: 'custom', path: [i], message: '凭证文件重复' });
      seen.add(f);
    });
  });

export const phone = z
  .string({ error: (iss) => (iss.input === undefined ? '请填写联系电话' : '联系电话格式不正确') })
  .trim()
  .refine((s) => MOBILE_RE.test(s) || LANDLINE_RE.test(s), { error: '联系电话格式不正确（手机号或带区号的固定电话）' });

export const isoDateTime = (label: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? `请填写${label}` : `${label}格式不正确`) })
    .pipe(z.iso.datetime({ offset: true, error: `${label}必须是带时区的 ISO 时间，例如 2026-01-01T10:00:00+08:00` }));

/** A message's fields (applyReturn / reviewReturn `message`). */
export const messageFields = {
  text: requiredText('留言内容', MAX_MESSAGE),
  evidence: z
    .array(fileID, { error: '留言图片格式不正确' })
    .max(MAX_MESSAGE_PHOTOS, { error: `留言最多 ${MAX_MESSAGE_PHOTOS} 张图片` })
    .optional(),
};
