/**
 * zod schemas of every function input (api.md), inferred input types, and
 * `formatZodIssues` for INVALID_ARGUMENT details. Objects strip unknown keys:
 * `event.userInfo` and any identity field sent by a client are dropped.
 */
import { applyReturnSchema } from './applyReturn';
import { uploadEvidenceSchema } from './uploadEvidence';
import { submitLogisticsSchema } from './submitLogistics';
import { reviewReturnSchema } from './reviewReturn';
import { executeRefundSchema } from './executeRefund';
import { refundCallbackSchema } from './refundCallback';
import { queryReturnsSchema, sweepTimeoutsSchema } from './queryReturns';

export * from './common';
export * from './applyReturn';
export * from './uploadEvidence';
export * from './submitLogistics';
export * from './reviewReturn';
export * from './executeRefund';
export * from './refundCallback';
export * from './queryReturns';
export * from './issues';

/** Input schema per function name. */
export const inputSchemas = {
  applyReturn: applyReturnSchema,
  uploadEvidence: uploadEvidenceSchema,
  submitLogistics: submitLogisticsSchema,
  reviewReturn: reviewReturnSchema,
  executeRefund: executeRefundSchema,
  refundCallback: refundCallbackSchema,
  queryReturns: queryReturnsSchema,
  sweepTimeouts: sweepTimeoutsSchema,
} as const;

export type FunctionName = keyof typeof inputSchemas;
