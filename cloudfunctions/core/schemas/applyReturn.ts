/** applyReturn: preview | apply | modify | cancel | appeal (api.md). */
import { z } from 'zod';
import {
  description,
  evidenceFiles,
  messageFields,
  orderId,
  reasonCode,
  replacements,
  requestedLines,
  requestId,
  requiredText,
  returnId,
  returnType,
  MAX_DESCRIPTION,
} from './common';

const applyFields = {
  orderId,
  type: returnType,
  reason: reasonCode,
  description: description.optional(),
  lines: requestedLines,
  /** 换货 (type EXCHANGE): the SKU each line is swapped for. */
  replacements: replacements.optional(),
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
  /** 换货: the replacements for the (possibly changed) lines; absent: kept for the lines that stay. */
  replacements: replacements.optional(),
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

/** The buyer's answer to the merchant's proposal (协商). */
export const answerProposalSchema = z.object({
  action: z.enum(['acceptProposal', 'declineProposal']),
  requestId,
  returnId,
  reason: description.optional(),
});

/** 换货: the buyer received the replacement (确认收到换货). */
export const confirmExchangeSchema = z.object({ action: z.literal('confirmExchange'), requestId, returnId });

/** A message to the shop (留言): never changes the status. */
export const buyerMessageSchema = z.object({ action: z.literal('message'), requestId, returnId, ...messageFields });

export const applyReturnSchema = z.discriminatedUnion(
  'action',
  [previewReturnSchema, applyNewReturnSchema, modifyReturnSchema, cancelReturnSchema, appealReturnSchema, answerProposalSchema, confirmExchangeSchema, buyerMessageSchema],
  {
    error: '操作 action 无效（preview / apply / modify / cancel / appeal / acceptProposal / declineProposal / confirmExchange / message）',
  },
);

export type ApplyReturnInput = z.infer<typeof applyReturnSchema>;
export type PreviewReturnInput = z.infer<typeof previewReturnSchema>;
export type ApplyNewReturnInput = z.infer<typeof applyNewReturnSchema>;
export type ModifyReturnInput = z.infer<typeof modifyReturnSchema>;
export type CancelReturnInput = z.infer<typeof cancelReturnSchema>;
export type AppealReturnInput = z.infer<typeof appealReturnSchema>;
export type AnswerProposalInput = z.infer<typeof answerProposalSchema>;
export type ConfirmExchangeInput = z.infer<typeof confirmExchangeSchema>;
export type BuyerMessageInput = z.infer<typeof buyerMessageSchema>;
