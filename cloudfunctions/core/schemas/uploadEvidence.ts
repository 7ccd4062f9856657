/** uploadEvidence: attach files already uploaded to cloud storage (api.md). */
import { z } from 'zod';
import { fileID, requestId, returnId, MAX_EVIDENCE, fieldError } from './common';

export const EVIDENCE_KINDS = ['PHOTO', 'VIDEO', 'WAYBILL', 'OTHER'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export const evidenceFile = z.object({
  fileID,
  kind: z.enum(EVIDENCE_KINDS, fieldError('缺少文件类型 kind', '文件类型 kind 无效（PHOTO / VIDEO / WAYBILL / OTHER）')),
});

export const uploadEvidenceSchema = z.object({
  requestId,
  returnId,
  files: z
    .array(evidenceFile, { error: '请选择要上传的文件' })
    .min(1, { error: '请至少选择一个文件' })
    .max(MAX_EVIDENCE, { error: `一次最多上传 ${MAX_EVIDENCE} 个文件` })
    .superRefine((files, ctx) => {
      const seen = new Set<string>();
      files.forEach((f, i) => {
        if (seen.has(f.fileID)) ctx.addIssue({ code: 'custom', path: [i, 'fileID'], message: '文件重复' });
        seen.add(f.fileID);
      });
    }),
});

export type UploadEvidenceInput = z.infer<typeof uploadEvidenceSchema>;
