/**
 * The reason must be a known code, and reasons that require evidence
 * (reasons.ts evidenceRequired: seller-side reasons except NOT_RECEIVED) need at
 * least one evidence file.
 */
import type { Refusal } from '../../types';
import { ELIGIBILITY_CODES as C, reasonInfo, refusal, type EligibilityContext } from '../context';

export function checkEvidence(ctx: EligibilityContext): Refusal[] {
  const info = reasonInfo(ctx.reason);
  if (!info) return [refusal(C.REASON_INVALID, '请选择有效的售后原因')];
  const count = typeof ctx.evidenceCount === 'number' && Number.isFinite(ctx.evidenceCount) ? ctx.evidenceCount : 0;
  if (info.evidenceRequired && count < 1) {
    return [refusal(C.EVIDENCE_REQUIRED, `售后原因为“${info.label}”时，请至少上传1张照片作为凭证`)];
  }
  return [];
}
