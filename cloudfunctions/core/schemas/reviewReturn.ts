/** reviewReturn: approve | reject | confirmReceipt | refuseReceipt | decide (api.md). */
import { z } from 'zod';
import { evidenceFiles, fileID, messageFields, note, phone, requestId, requiredText, returnId, MAX_EVIDENCE, MAX_NOTE, fieldError } from './common';
import { CARRIERS, TRACKING_NO_RE } from './submitLogistics';

/** Refund amount set by a merchant / arbiter: positive integer fen (≤ the computed maximum, checked by adjustRefundAmount). */
export const refundAmount = z
  .number({ error: '退款金额必须是数字（单位：分）' })
  .int({ error: '退款金额必须是整数（单位：分）' })
  .positive({ error: '退款金额必须大于 0' })
  .max(Number.MAX_SAFE_INTEGER, { error: '退款金额过大' });

/** Where the buyer sends the goods (RETURN_REFUND approval). */
export const returnAddressSchema = z.object(
  {
    name: z
      .string({ error: (iss) => (iss.input === undefined ? '请填写退货收件人' : '退货收件人格式不正确') })
      .trim()
      .min(1, { error: '请填写退货收件人' })
      .max(30, { error: '退货收件人不能超过 30 字' }),
    phone,
    address: z
      .string({ error: (iss) => (iss.input === undefined ? '请填写退货地址' : '退货地址格式不正确') })
      .trim()
      .min(5, { error: '退货地址过短，请填写详细地址' })
      .max(200, { error: '退货地址不能超过 200 字' }),
    postcode: z
      .string({ error: '邮编格式不正确' })
      .regex(/^\d{6}$/, { error: '邮编格式不正确' })
      .optional(),
    /** The region picker's 省 / 市 / 区: a courier pickup (logistics.addOrder) needs the address structured. */
    province: z.string({ error: '省份格式不正确' }).trim().min(1, { error: '请选择省份' }).max(20, { error: '省份不能超过 20 字' }).optional(),
    city: z.string({ error: '城市格式不正确' }).trim().min(1, { error: '请选择城市' }).max(20, { error: '城市不能超过 20 字' }).optional(),
    area: z.string({ error: '区县格式不正确' }).trim().min(1, { error: '请选择区县' }).max(20, { error: '区县不能超过 20 字' }).optional(),
  },
  { error: '退货地址 returnAddress 格式不正确' },
);

const base = { requestId, returnId, note: note.optional() };

/** returnAddress optional here: REFUND_ONLY needs none, and the shop may have a default one. */
export const approveSchema = z.object({ action: z.literal('approve'), ...base, returnAddress: returnAddressSchema.optional() });

export const rejectSchema = z.object({
  action: z.literal('reject'),
  ...base,
  reason: requiredText('拒绝原因', MAX_NOTE),
  evidence: evidenceFiles.optional(),
});

/** A refundAmount (lowering a RETURN_REFUND) must come with a reason (or note): confirmReceipt and decide. */
function reasonForAmount(v: { refundAmount?: number; reason?: string; note?: string }, ctx: z.RefinementCtx): void {
  if (v.refundAmount !== undefined && !v.reason && !v.note) {
    ctx.addIssue({ code: 'custom', path: ['reason'], message: '调整退款金额时请填写原因' });
  }
}

export const confirmReceiptSchema = z
  .object({
    action: z.literal('confirmReceipt'),
    ...base,
    reason: z
      .string({ error: '调整原因必须是文字' })
      .trim()
      .max(MAX_NOTE, { error: `调整原因不能超过 ${MAX_NOTE} 字` })
      .optional(),
    refundAmount: refundAmount.optional(),
    evidence: evidenceFiles.optional(),
  })
  .superRefine(reasonForAmount);

export const refuseReceiptSchema = z.object({
  action: z.literal('refuseReceipt'),
  ...base,
  reason: z
    .string({ error: '拒收原因必须是文字' })
    .trim()
    .max(MAX_NOTE, { error: `拒收原因不能超过 ${MAX_NOTE} 字` })
    .optional(),
  evidence: z
    .array(fileID, { error: '拒绝收货需要上传验货凭证' })
    .min(1, { error: '拒绝收货需要至少一张验货凭证' })
    .max(MAX_EVIDENCE, { error: `凭证最多 ${MAX_EVIDENCE} 个` }),
});

export const decideSchema = z
  .object({
    action: z.literal('decide'),
    ...base,
    decision: z.enum(['BUYER', 'MERCHANT'], fieldError('请选择裁决结果 decision', '裁决结果 decision 无效（BUYER 支持买家 / MERCHANT 支持商家）')),
    reason: z
      .string({ error: '裁决理由必须是文字' })
      .trim()
      .max(MAX_NOTE, { error: `裁决理由不能超过 ${MAX_NOTE} 字` })
      .optional(),
    refundAmount: refundAmount.optional(),
    evidence: evidenceFiles.optional(),
  })
  .superRefine(reasonForAmount);

/** The merchant's proposal (协商) instead of approve / reject, or after inspecting the returned goods. */
export const proposeSchema = z.object({
  action: z.literal('propose'),
  ...base,
  kind: z.enum(
    ['PARTIAL_REFUND', 'REFUND_WITHOUT_RETURN', 'LOWER_AFTER_RECEIPT'],
    fieldError('请选择协商方案 kind', '协商方案 kind 无效（PARTIAL_REFUND / REFUND_WITHOUT_RETURN / LOWER_AFTER_RECEIPT）'),
  ),
  refundAmount: refundAmount.optional(),
  reason: requiredText('协商说明', MAX_NOTE),
  evidence: evidenceFiles.optional(),
});

/** 换货: the replacement goes out (发出换货) with its carrier and waybill (format checked per carrier, as the buyer's). */
export const reshipSchema = z.object({
  action: z.literal('reship'),
  ...base,
  carrier: z.enum(CARRIERS, fieldError('请选择快递公司 carrier', '快递公司 carrier 无效')),
  trackingNo: z
    .string({ error: (iss) => (iss.input === undefined ? '请填写运单号' : '运单号格式不正确') })
    .trim()
    .regex(TRACKING_NO_RE, { error: '运单号只能包含字母、数字（可带空格或 -）' }),
});

/** 换货 → refund of the returned units (转为退款), e.g. the replacement is out of stock: the buyer reads the reason. */
export const convertToRefundSchema = z.object({ action: z.literal('convertToRefund'), ...base, reason: requiredText('转为退款的原因', MAX_NOTE) });

/** A message to the buyer (留言): never changes the status. */
export const staffMessageSchema = z.object({ action: z.literal('message'), requestId, returnId, ...messageFields });

export const reviewReturnSchema = z.discriminatedUnion(
  'action',
  [approveSchema, rejectSchema, confirmReceiptSchema, refuseReceiptSchema, decideSchema, proposeSchema, reshipSchema, convertToRefundSchema, staffMessageSchema],
  {
    error: '操作 action 无效（approve / reject / confirmReceipt / refuseReceipt / decide / propose / reship / convertToRefund / message）',
  },
);

export type ReviewReturnInput = z.infer<typeof reviewReturnSchema>;
export type ReturnAddress = z.infer<typeof returnAddressSchema>;
export type ApproveInput = z.infer<typeof approveSchema>;
export type RejectInput = z.infer<typeof rejectSchema>;
export type ConfirmReceiptInput = z.infer<typeof confirmReceiptSchema>;
export type RefuseReceiptInput = z.infer<typeof refuseReceiptSchema>;
export type DecideInput = z.infer<typeof decideSchema>;
