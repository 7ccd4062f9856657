/**
 * Evidence files: a file counts only if it exists in cloud storage under
 * `evidence/<uploader openid>/`, is a photo or video of an accepted type
 * (checked from its first bytes, not from its name), is within the size
 * limit, and passes the content check for images.
 */
import { createHash } from 'node:crypto';
import { sdk } from '../runtime/shell';
import { AppError } from '../runtime/envelope';
import type { Role } from '../policy/types';
import { evidenceOfSide, type EvidenceItem } from './model';
import type { ShopSettings } from './settings';

export type EvidenceKind = EvidenceItem['kind'];

export interface EvidenceProblem {
  fileID: string;
  code: 'WRONG_FOLDER' | 'NOT_FOUND' | 'TOO_LARGE' | 'BAD_TYPE' | 'UNSAFE' | 'TOO_MANY' | 'CHECK_FAILED';
  message: string;
}

/** The storage path of a fileID: cloud://<env>.<bucket>/<path> → <path>. */
export function storagePath(fileID: string): string {
  const rest = fileID.slice('cloud://'.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? '' : rest.slice(slash + 1);
}

export function inOwnFolder(fileID: string, openid: string): boolean {
  const path = storagePath(fileID);
  return path.startsWith(`evidence/${openid}/`) && !path.includes('..');
}

/** Sniff the content type from the first bytes. */
export function sniff(buf: Buffer): { contentType: string; media: 'image' | 'video' } | null {
  const hex = buf.subarray(0, 12).toString('hex');
  if (hex.startsWith('ffd8ff')) return { contentType: 'image/jpeg', media: 'image' };
  if (hex.startsWith('89504e470d0a1a0a')) return { contentType: 'image/png', media: 'image' };
  if (hex.startsWith('47494638')) return { contentType: 'image/gif', media: 'image' };
  if (hex.startsWith('52494646') && buf.subarray(8, 12).toString('ascii') === 'WEBP') return { contentType: 'image/webp', media: 'image' };
  const box = buf.subarray(4, 12).toString('ascii');
  if (box.startsWith('ftyp')) {
    const brand = box.slice(4);
    if (/^(heic|heix|mif1|msf1)/.test(brand)) return { contentType: 'image/heic', media: 'image' };
    if (brand.startsWith('qt')) return { contentType: 'video/quicktime', media: 'video' };
    return { contentType: 'video/mp4', media: 'video' };
  }
  return null;
}

async function download(fileID: string): Promise<Buffer | null> {
  try {
    const res: any = await (sdk() as any).downloadFile({ fileID });
    const content = res?.fileContent;
    return Buffer.isBuffer(content) ? content : content ? Buffer.from(content) : null;
  } catch {
    return null;
  }
}

const EXTENSIONS: Readonly<Record<string, string>> = Object.freeze({
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
});

/**
 * Keep the functions' own copy of checked bytes: the uploader could otherwise
 * overwrite or delete their file after the check (a damage photo swapped after
 * review). Content-addressed, so the same bytes are stored once. Null on failure.
 */
async function lockCopy(buf: Buffer, contentType: string): Promise<{ fileID: string; sha256: string } | null> {
  const sha256 = createHash('sha256').update(buf).digest('hex');
  try {
    const res: any = await (sdk() as any).uploadFile({ cloudPath: `evidence-locked/${sha256}.${EXTENSIONS[contentType] ?? 'bin'}`, fileContent: buf });
    return res?.fileID ? { fileID: String(res.fileID), sha256 } : null;
  } catch {
    return null;
  }
}

async function imageIsSafe(buf: Buffer, contentType: string): Promise<'ok' | 'unsafe' | 'error'> {
  try {
    const res: any = await (sdk() as any).openapi.security.imgSecCheck({ media: { contentType, value: buf } });
    const code = Number(res?.errCode ?? res?.errcode ?? 0);
    if (code === 0) return 'ok';
    return code === 87014 ? 'unsafe' : 'error';
  } catch (err) {
    return Number((err as any)?.errCode) === 87014 ? 'unsafe' : 'error';
  }
}

/**
 * The files a call attaches: verified as `uploader`'s (see verifyEvidence),
 * those already on `attachedTo` skipped; `attachedTo` null for a new after-sale.
 */
export function attachEvidence(
  fileIDs: readonly string[] | undefined,
  uploader: { role: Role; openid: string },
  attachedTo: { evidence: EvidenceItem[] } | null,
  settings: ShopSettings,
  now: Date,
  kind?: EvidenceKind,
): Promise<EvidenceItem[]> {
  return verifyEvidence({
    files: (fileIDs ?? []).map((fileID) => (kind ? { fileID, kind } : { fileID })),
    uploader,
    attached: attachedTo ? attachedTo.evidence : [],
    settings,
    now,
  });
}

/**
 * Verify files uploaded by `uploader` and return the evidence items to store.
 * A file the same uploader already attached is neither attached nor counted
 * twice; a file attached by someone else is checked as any other (so it fails
 * the folder check: nobody can present another party's file as their own).
 * The count limit holds per side: the buyer's files never use up the room
 * staff need for their own evidence (refuseReceipt requires it), and the
 * reverse. Throws EVIDENCE_INVALID listing every problem; writes nothing.
 */
export async function verifyEvidence(opts: {
  files: { fileID: string; kind?: EvidenceKind }[];
  uploader: { role: Role; openid: string };
  attached: readonly EvidenceItem[];
  settings: ShopSettings;
  now: Date;
}): Promise<EvidenceItem[]> {
  const { settings, uploader, now } = opts;
  const seen = new Set(opts.attached.filter((e) => e.by.openid === uploader.openid).map((e) => e.fileID));
  const fresh: { fileID: string; kind?: EvidenceKind }[] = [];
  for (const f of opts.files) {
    if (seen.has(f.fileID)) continue;
    seen.add(f.fileID);
    fresh.push(f);
  }
  const problems: EvidenceProblem[] = [];
  const max = settings.policy.maxEvidencePerReturn;
  const sameSide = evidenceOfSide(opts.attached, uploader.role).length;
  if (sameSide + fresh.length > max) {
    const message = `${uploader.role === 'BUYER' ? '买家' : '商家和平台'}在每个售后单最多上传 ${max} 个凭证，已上传 ${sameSide} 个`;
    throw new AppError('EVIDENCE_INVALID', message, {
      problems: fresh.map((f) => ({ fileID: f.fileID, code: 'TOO_MANY', message })),
    });
  }
  const items: EvidenceItem[] = [];
  for (const f of fresh) {
    if (!inOwnFolder(f.fileID, uploader.openid)) {
      problems.push({ fileID: f.fileID, code: 'WRONG_FOLDER', message: '凭证文件须由本人上传到 evidence/ 目录' });
      continue;
    }
    const buf = await download(f.fileID);
    if (!buf) {
      problems.push({ fileID: f.fileID, code: 'NOT_FOUND', message: '凭证文件不存在或已被删除，请重新上传' });
      continue;
    }
    if (buf.length > settings.policy.maxEvidenceBytes) {
      const mb = Math.floor(settings.policy.maxEvidenceBytes / 1024 / 1024);
      problems.push({ fileID: f.fileID, code: 'TOO_LARGE', message: `凭证文件不能超过 ${mb}MB` });
      continue;
    }
    const type = sniff(buf);
    const wantVideo = f.kind === 'VIDEO';
    const mismatch = f.kind === undefined ? false : wantVideo ? type?.media !== 'video' : type?.media !== 'image';
    if (!type || mismatch) {
      problems.push({ fileID: f.fileID, code: 'BAD_TYPE', message: wantVideo ? '视频凭证须为 MP4 或 MOV 格式' : '图片凭证须为 JPG、PNG、GIF、WEBP 或 HEIC 格式' });
      continue;
    }
    if (type.media === 'image' && settings.imageCheck) {
      const verdict = await imageIsSafe(buf, type.contentType);
      if (verdict === 'unsafe') {
        problems.push({ fileID: f.fileID, code: 'UNSAFE', message: '图片内容未通过安全检测，请更换图片' });
        continue;
      }
      if (verdict === 'error') {
        problems.push({ fileID: f.fileID, code: 'CHECK_FAILED', message: '图片安全检测暂时不可用，请稍后重试' });
        continue;
      }
    }
    const locked = await lockCopy(buf, type.contentType);
    if (!locked) {
      problems.push({ fileID: f.fileID, code: 'CHECK_FAILED', message: '凭证保存失败，请稍后重试' });
      continue;
    }
    items.push({
      fileID: f.fileID,
      kind: f.kind ?? (type.media === 'video' ? 'VIDEO' : 'PHOTO'),
      by: { role: uploader.role, openid: uploader.openid },
      at: now,
      size: buf.length,
      contentType: type.contentType,
      lockedFileID: locked.fileID,
      sha256: locked.sha256,
    });
  }
  if (problems.length) {
    throw new AppError('EVIDENCE_INVALID', problems[0].message, { problems });
  }
  return items;
}
