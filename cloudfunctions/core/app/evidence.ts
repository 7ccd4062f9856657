/**
 * Evidence files: a file counts only if it exists in cloud storage under
 * `evidence/<uploader openid>/`, is a photo or video of an accepted type
 * (checked from its first bytes, not from its name), is within the size
 * limit, and passes the content check.
 *
 * Content check (settings.imageCheck, docs/platform-limits.md): WeChat's
 * synchronous security.imgSecCheck takes PNG/JPEG/GIF only, up to 750 × 1334
 * px and (in practice) 500 KB — a phone photo (4000 × 3000, several MB, often
 * HEIC) is refused with 40006. So the pages compress every photo on the phone
 * (wx.compressImage to ≤ 750 × 1334 JPEG, ≤ 300 KB) and upload that copy;
 * this checks exactly the bytes that are stored and shown (the checked copy
 * IS the evidence), and refuses a file over the limits with a Chinese reason
 * instead of a "try again later". WeChat has no content check for video in
 * mini-programs (mediaCheckAsync takes audio and images only), so a video is
 * checked through its poster frame, uploaded beside it as
 * `<video path>.poster.jpg` by the pages (compressed the same way).
 * mediaCheckAsync (asynchronous, verdict up to 30 minutes later by a
 * message-push event) was not chosen: evidence would stay pending while the
 * merchant reviews, and an application could be decided on unchecked photos.
 */
import { createHash } from 'node:crypto';
import { openapi, sdk, sdkError } from '../runtime/shell';
import { AppError } from '../runtime/envelope';
import type { Role } from '../policy/types';
import { evidenceOfSide, type EvidenceItem } from './model';
import type { ShopSettings } from './settings';

export type EvidenceKind = EvidenceItem['kind'];

export interface EvidenceProblem {
  fileID: string;
  code: 'WRONG_FOLDER' | 'NOT_FOUND' | 'TOO_LARGE' | 'BAD_TYPE' | 'UNSAFE' | 'TOO_MANY' | 'CHECK_FAILED' | 'OVER_CHECK_LIMITS' | 'NO_POSTER';
  message: string;
}

/** security.imgSecCheck's limits (the stricter of the documented ones: docs/platform-limits.md). */
export const IMAGE_CHECK_LIMITS = Object.freeze({ maxBytes: 500 * 1024, maxWidth: 750, maxHeight: 1334 });

/** The pixel size of a PNG / GIF / JPEG from its header; null when it cannot be read. */
export function imageSize(buf: Buffer): { width: number; height: number } | null {
  const hex = buf.subarray(0, 8).toString('hex');
  if (hex === '89504e470d0a1a0a') return buf.length >= 24 ? { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) } : null;
  if (hex.startsWith('47494638')) return buf.length >= 10 ? { width: buf.readUInt16LE(6), height: buf.readUInt16LE(8) } : null;
  if (!hex.startsWith('ffd8ff')) return null;
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + buf.readUInt16BE(i + 2);
  }
  return null;
}

const CHECKABLE = new Set(['image/jpeg', 'image/png', 'image/gif']);
const COMPRESS_HINT = '请在小程序内重新选择照片上传（会自动压缩）';

/**
 * Why `buf` cannot go through imgSecCheck, in Chinese (null when it can): a
 * format it does not take, or over its size / pixel limits.
 */
export function overCheckLimits(buf: Buffer, contentType: string): { code: EvidenceProblem['code']; message: string } | null {
  if (!CHECKABLE.has(contentType)) return { code: 'BAD_TYPE', message: `照片须为 JPG、PNG 或 GIF 格式，${COMPRESS_HINT}` };
  const size = imageSize(buf);
  if (!size) return { code: 'BAD_TYPE', message: `照片文件已损坏或无法识别，${COMPRESS_HINT}` };
  const L = IMAGE_CHECK_LIMITS;
  if (size.width > L.maxWidth || size.height > L.maxHeight) {
    return { code: 'OVER_CHECK_LIMITS', message: `照片尺寸 ${size.width}×${size.height} 超出内容安全检测上限（${L.maxWidth}×${L.maxHeight}），${COMPRESS_HINT}` };
  }
  if (buf.length > L.maxBytes) return { code: 'OVER_CHECK_LIMITS', message: `照片超过 ${L.maxBytes / 1024}KB，超出内容安全检测上限，${COMPRESS_HINT}` };
  return null;
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
    const res = (await sdk().downloadFile({ fileID })) as { fileContent?: Buffer };
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
    const res = (await sdk().uploadFile({ cloudPath: `evidence-locked/${sha256}.${EXTENSIONS[contentType] ?? 'bin'}`, fileContent: buf })) as { fileID?: string };
    return res?.fileID ? { fileID: String(res.fileID), sha256 } : null;
  } catch {
    return null;
  }
}

/** imgSecCheck: 'ok', 'unsafe' (87014), 'refused' (40005/40006: the file is over its limits), or 'error' (try again later). */
async function imageIsSafe(buf: Buffer, contentType: string): Promise<'ok' | 'unsafe' | 'refused' | 'error'> {
  const verdict = (code: number) => (code === 0 ? 'ok' : code === 87014 ? 'unsafe' : code === 40006 || code === 40005 || code === 41005 ? 'refused' : 'error');
  try {
    const res = await openapi('security.imgSecCheck')({ media: { contentType, value: buf } });
    return verdict(Number(res?.errCode ?? res?.errcode ?? 0));
  } catch (err) {
    return verdict(Number(sdkError(err).errCode));
  }
}

/** Check an image within imgSecCheck's limits; a problem (code, Chinese message) or null when it passed. */
async function contentProblem(buf: Buffer, contentType: string, what: 'photo' | 'poster'): Promise<{ code: EvidenceProblem['code']; message: string } | null> {
  const over = overCheckLimits(buf, contentType);
  if (over) return what === 'poster' ? { code: over.code, message: `视频封面${over.message.replace(/^照片/, '')}` } : over;
  const verdict = await imageIsSafe(buf, contentType);
  if (verdict === 'unsafe') return { code: 'UNSAFE', message: what === 'poster' ? '视频内容未通过安全检测，请更换视频' : '图片内容未通过安全检测，请更换图片' };
  if (verdict === 'refused') return { code: 'OVER_CHECK_LIMITS', message: `文件超出内容安全检测的限制，${COMPRESS_HINT}` };
  if (verdict === 'error') return { code: 'CHECK_FAILED', message: '图片安全检测暂时不可用，请稍后重试' };
  return null;
}

/** The poster frame the pages upload beside a video (`<video path>.poster.jpg`). */
export function posterOf(fileID: string): string {
  return `${fileID}.poster.jpg`;
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
    if (settings.imageCheck) {
      let problem: { code: EvidenceProblem['code']; message: string } | null;
      if (type.media === 'image') problem = await contentProblem(buf, type.contentType, 'photo');
      else {
        const poster = await download(posterOf(f.fileID));
        const posterType = poster ? sniff(poster) : null;
        problem =
          !poster || posterType?.media !== 'image'
            ? { code: 'NO_POSTER', message: '视频缺少封面，无法进行内容安全检测，请在小程序内重新上传视频' }
            : await contentProblem(poster, posterType.contentType, 'poster');
      }
      if (problem) {
        problems.push({ fileID: f.fileID, ...problem });
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
