/**
 * queryReturns `subscribe` (contract addition): the template ids the caller
 * accepted in one wx.requestSubscribeMessage (at most 3 a call, as WeChat
 * allows), optionally the after-sale whose missed messages to list.
 * Read-mostly: no requestId (a repeated report only adds consents the server
 * may spend; a send WeChat refuses is recorded and the count reset).
 */
import { z } from 'zod';
import { returnId } from './common';

export const MAX_TEMPLATES_PER_SUBSCRIBE = 3;

export const subscribeSchema = z.object({
  action: z.literal('subscribe'),
  templateIds: z
    .array(z.string({ error: '模板 ID 必须是文字' }).min(1, { error: '模板 ID 不能为空' }).max(128, { error: '模板 ID 过长' }), { error: '请提供订阅的模板 templateIds' })
    .max(MAX_TEMPLATES_PER_SUBSCRIBE, { error: `一次最多订阅 ${MAX_TEMPLATES_PER_SUBSCRIBE} 个模板` })
    .default([]),
  returnId: returnId.optional(),
});

export type SubscribeInput = z.infer<typeof subscribeSchema>;
