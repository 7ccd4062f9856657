/** executeRefund: retry | markOffline (merchant), submit (internal) (api.md). */
import { z } from 'zod';
import { evidenceFiles, note, requestId, requiredText, returnId } from './common';

export const retryRefundSchema = z.object({ action: z.literal('retry'), requestId, returnId, note: note.optional() });

/** The merchant refunded outside the platform: a note (how / reference) is required. */
export const markOfflineSchema = z.object({
  action: z.literal('markOffline'),
  requestId,
  returnId,
  note: requiredText('线下退款说明'),
  evidence: evidenceFiles.optional(),
});

/** Internal: submit the pending refunds of a return (other functions, the sweep). */
export const submitRefundsSchema = z.object({ action: z.literal('submit'), returnId, requestId: requestId.optional() });

export const executeRefundSchema = z.discriminatedUnion('action', [retryRefundSchema, markOfflineSchema, submitRefundsSchema], {
  error: '操作 action 无效（retry / markOffline）',
});

export type ExecuteRefundInput = z.infer<typeof executeRefundSchema>;
export type RetryRefundInput = z.infer<typeof retryRefundSchema>;
export type MarkOfflineInput = z.infer<typeof markOfflineSchema>;
export type SubmitRefundsInput = z.infer<typeof submitRefundsSchema>;
