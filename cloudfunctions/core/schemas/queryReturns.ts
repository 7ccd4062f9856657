/** queryReturns: get | list (api.md); sweepTimeouts input. Read-only: no requestId. */
import { z } from 'zod';
import { orderId, returnId, returnStatus, fieldError } from './common';
import { subscribeSchema } from './subscribe';

export const getReturnSchema = z.object({ action: z.literal('get'), returnId });

export const listReturnsSchema = z.object({
  action: z.literal('list'),
  scope: z.enum(['mine', 'merchant'], fieldError('缺少查询范围 scope', '查询范围 scope 无效（mine / merchant）')),
  status: returnStatus.optional(),
  cursor: z.string({ error: '分页游标 cursor 格式不正确' }).max(256, { error: '分页游标 cursor 格式不正确' }).optional(),
  limit: z
    .number({ error: '每页数量 limit 必须是数字' })
    .int({ error: '每页数量 limit 必须是整数' })
    .min(1, { error: '每页数量 limit 至少为 1' })
    .max(50, { error: '每页数量 limit 最多为 50' })
    .default(20),
});

/** Who the caller is: openid and staff roles (pages use it for the evidence folder and to show staff entries). */
export const whoamiSchema = z.object({ action: z.literal('whoami') });

/** The shop's carrier accounts checked against logistics.getAllAccount (deploy, or an ADMIN). */
export const carrierAccountsSchema = z.object({ action: z.literal('carrierAccounts') });

/** 换货: the replacements the shop offers for each line of the buyer's order (same product, same price, in stock). */
export const exchangeOptionsSchema = z.object({ action: z.literal('exchangeOptions'), orderId });

export const queryReturnsSchema = z.discriminatedUnion(
  'action',
  [getReturnSchema, listReturnsSchema, whoamiSchema, subscribeSchema, carrierAccountsSchema, exchangeOptionsSchema],
  {
    error: '操作 action 无效（get / list / whoami / subscribe / carrierAccounts / exchangeOptions）',
  },
);

export type QueryReturnsInput = z.infer<typeof queryReturnsSchema>;
export type GetReturnInput = z.infer<typeof getReturnSchema>;
export type ListReturnsInput = z.infer<typeof listReturnsSchema>;

/** Timer-trigger events ({Type, TriggerName, Time}) and a null event parse to {}. */
export const sweepTimeoutsSchema = z.preprocess(
  (v) => (v === undefined || v === null ? {} : v),
  z.object(
    {
      budgetMs: z
        .number({ error: 'budgetMs 必须是数字' })
        .int({ error: 'budgetMs 必须是整数' })
        .min(1, { error: 'budgetMs 必须大于 0' })
        .max(900_000, { error: 'budgetMs 不能超过 900000' })
        .optional(),
      batch: z.number({ error: 'batch 必须是数字' }).int({ error: 'batch 必须是整数' }).min(1, { error: 'batch 至少为 1' }).max(1000, { error: 'batch 不能超过 1000' }).optional(),
    },
    { error: '请求参数必须是对象' },
  ),
);

export type SweepTimeoutsInput = z.infer<typeof sweepTimeoutsSchema>;
