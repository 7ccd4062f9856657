/** applyReturn: preview | apply | modify | cancel | appeal (api.md). */
import { z } from 'zod';
import { description, evidenceFiles, orderId, reasonCode, requestedLines, requestId, requiredText, returnId, returnType, MAX_DESCRIPTION } from './common';

const applyFields = {
  orderId,
  type: returnType,
  reason: reasonCode,
  description: description.optional(),
  lines: requestedLines,
  evidence: evidenceFiles.optional(),
};

/** Eligibility check without writes; takes no requestId (one sent is dropped). */
export const previewReturnSchema = z.object({ action: z.literal('preview'), ...applyFields });

export const applyNewReturnSchema = z.object({ action: z.literal('apply'), requestId, ...applyFields });

/** Every field but returnId is optional: what is absent stays as it was. */
export const modifyReturnSchema = z.object({
  action: z.literal('modify'),
  requestId,
  returnId,
  reason: reasonCode.optional(),
  description: description.optional(),
  lines: requestedLines.optional(),
  evidence: evidenceFiles.optional(),
});

export const cancelReturnSchema = z.object({ action: z.literal('cancel'), requestId, returnId });

export const appealReturnSchema = z.object({
  action: z.literal('appeal'),
  requestId,
  returnId,
  description: requiredText('申诉说明', MAX_DESCRIPTION),
  evidence: evidenceFiles.optional(),
});

export const applyReturnSchema = z.discriminatedUnion('action', [previewReturnSchema, applyNewReturnSchema, modifyReturnSchema, cancelReturnSchema, appealReturnSchema], {
  error: '操作 action 无效（preview / apply / modify / cancel / appeal）',
});

export type ApplyReturnInput = z.infer<typeof applyReturnSchema>;
export type PreviewReturnInput = z.infer<typeof previewReturnSchema>;
export type ApplyNewReturnInput = z.infer<typeof applyNewReturnSchema>;
export type ModifyReturnInput = z.infer<typeof modifyReturnSchema>;
export type CancelReturnInput = z.infer<typeof cancelReturnSchema>;
export type AppealReturnInput = z.infer<typeof appealReturnSchema>;
