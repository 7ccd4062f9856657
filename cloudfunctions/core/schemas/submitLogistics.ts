/** submitLogistics: SELF_SHIP (carrier + tracking number) | PICKUP (api.md). */
import { z } from 'zod';
import { evidenceFiles, fen, isoDateTime, phone, requestId, returnId, fieldError } from './common';

export const CARRIERS = ['SF', 'JD', 'YTO', 'ZTO', 'STO', 'YUNDA', 'EMS', 'JTSD', 'DBL', 'OTHER'] as const;
export type Carrier = (typeof CARRIERS)[number];

/**
 * Letters, digits, and the spaces and dashes people copy from receipts. The
 * format of each carrier (policy/logistics.ts) is checked by the function and
 * answered with LOGISTICS_INVALID.
 */
export const TRACKING_NO_RE = /^[0-9A-Za-z][0-9A-Za-z -]{0,79}$/;

/** One part of a region picker's value (省 / 市 / 区). */
function regionPart(label: string) {
  return z
    .string({ error: `${label}格式不正确` })
    .trim()
    .min(1, { error: `请选择${label}` })
    .max(20, { error: `${label}不能超过 20 字` });
}

export const selfShipSchema = z.object({
  mode: z.literal('SELF_SHIP'),
  requestId,
  returnId,
  carrier: z.enum(CARRIERS, fieldError('请选择快递公司 carrier', '快递公司 carrier 无效')),
  trackingNo: z
    .string({ error: (iss) => (iss.input === undefined ? '请填写快递单号' : '快递单号格式不正确') })
    .trim()
    .regex(TRACKING_NO_RE, { error: '快递单号只能包含字母、数字（可带空格或 -）' }),
  /** Postage the buyer paid (fen); reimbursed only for seller-side reasons, capped. */
  postage: fen.optional(),
  /** Courier receipt etc. (optional; also possible through uploadEvidence, kind WAYBILL). */
  evidence: evidenceFiles.optional(),
});

export const pickupSchema = z.object({
  mode: z.literal('PICKUP'),
  requestId,
  returnId,
  pickup: z
    .object(
      {
        name: z
          .string({ error: (iss) => (iss.input === undefined ? '请填写联系人' : '联系人格式不正确') })
          .trim()
          .min(1, { error: '请填写联系人' })
          .max(30, { error: '联系人不能超过 30 字' }),
        phone,
        address: z
          .string({ error: (iss) => (iss.input === undefined ? '请填写取件地址' : '取件地址格式不正确') })
          .trim()
          .min(5, { error: '取件地址过短，请填写详细地址' })
          .max(200, { error: '取件地址不能超过 200 字' }),
        /** Structured address for the courier (logistics.addOrder needs province, city, area); parsed from `address` when absent. */
        province: regionPart('省份').optional(),
        city: regionPart('城市').optional(),
        area: regionPart('区县').optional(),
        slotStart: isoDateTime('预约取件开始时间'),
        slotEnd: isoDateTime('预约取件结束时间'),
      },
      { error: '请填写上门取件信息' },
    )
    .superRefine((p, ctx) => {
      if (Date.parse(p.slotEnd) <= Date.parse(p.slotStart)) {
        ctx.addIssue({ code: 'custom', path: ['slotEnd'], message: '预约取件结束时间必须晚于开始时间' });
      }
    }),
});

export const submitLogisticsSchema = z.discriminatedUnion('mode', [selfShipSchema, pickupSchema], {
  error: '寄回方式 mode 无效（SELF_SHIP 自行寄回 / PICKUP 上门取件）',
});

export type SubmitLogisticsInput = z.infer<typeof submitLogisticsSchema>;
export type SelfShipInput = z.infer<typeof selfShipSchema>;
export type PickupInput = z.infer<typeof pickupSchema>;
