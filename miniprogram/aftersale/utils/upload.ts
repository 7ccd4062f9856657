/**
 * Evidence: choose photos / videos (wx.chooseMedia) and upload them to cloud
 * storage under `evidence/<openid>/` (wx.cloud.uploadFile, or the emulator's
 * POST /_local/storage in local mode). The functions only accept files in the
 * caller's own folder, of a real image/video type, within the size limit,
 * that pass WeChat's content check (security.imgSecCheck: JPG/PNG/GIF, at most
 * 750 × 1334 px and 500 KB). So every photo is compressed here first
 * (wx.compressImage to ≤ 750 × 1334 JPG, ≤ 300 KB; what is uploaded is what is
 * checked and shown), and a video's poster frame is compressed the same way
 * and uploaded beside it as `<video>.poster.jpg` (WeChat has no video check
 * for mini-programs: the function checks the poster).
 */
import { config } from '../config';
import { ApiError, ensureCloud, toast } from './api';
import { ensureOpenid } from './session';

export const MAX_EVIDENCE_BYTES = 10 * 1024 * 1024;

/** What a photo is compressed to before upload: within security.imgSecCheck's limits, with room to spare on size. */
export const CHECK_LIMITS = Object.freeze({ maxWidth: 750, maxHeight: 1334, targetBytes: 300 * 1024 });

const CHECKABLE_TYPES = ['jpeg', 'jpg', 'png', 'gif'];

export interface Uploaded {
  fileID: string;
  kind: 'PHOTO' | 'VIDEO';
  /** Local path to show right away (thumbnail for videos). */
  thumb: string;
}

function extOf(path: string, fallback: string): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(path);
  return (m ? m[1] : fallback).toLowerCase();
}

function uploadCloud(cloudPath: string, filePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ensureCloud();
    wx.cloud.uploadFile({
      cloudPath,
      filePath,
      success: (res: any) => resolve(res.fileID),
      fail: (err: any) => reject(new ApiError('NETWORK', err?.errMsg ?? 'uploadFile:fail')),
    });
  });
}

function uploadLocal(cloudPath: string, filePath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.getFileSystemManager().readFile({
      filePath,
      encoding: 'base64',
      success: (file) => {
        wx.request({
          url: `${config.local.baseUrl}/_local/storage`,
          method: 'POST',
          header: { 'content-type': 'application/json' },
          data: { cloudPath, contentBase64: file.data as string },
          success: (res: any) => (res.statusCode === 200 && res.data?.fileID ? resolve(res.data.fileID) : reject(new ApiError('NETWORK', `HTTP ${res.statusCode}`))),
          fail: (err) => reject(new ApiError('NETWORK', err?.errMsg ?? 'request:fail')),
        });
      },
      fail: (err) => reject(new ApiError('INTERNAL', err?.errMsg ?? 'readFile:fail')),
    });
  });
}

function imageInfo(src: string): Promise<{ width: number; height: number; type: string }> {
  return new Promise((resolve, reject) => {
    wx.getImageInfo({ src, success: (r: any) => resolve({ width: r.width, height: r.height, type: String(r.type ?? '').toLowerCase() }), fail: (e: any) => reject(e) });
  });
}

function fileSize(filePath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    wx.getFileSystemManager().getFileInfo({ filePath, success: (r: any) => resolve(r.size), fail: (e: any) => reject(e) });
  });
}

function compress(src: string, quality: number, width: number, height: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Both spellings: some clients read compressWidth / compressHeight (community answer, docs/platform-limits.md).
    // biome-ignore lint/plugin/no-as-any: the typings know only compressedWidth/Height; the second spelling is deliberate
    wx.compressImage({
      src,
      quality,
      compressedWidth: width,
      compressedHeight: height,
      compressWidth: width,
      compressHeight: height,
      success: (r: any) => resolve(r.tempFilePath),
      fail: (e: any) => reject(e),
    } as any);
  });
}

const within = (i: { width: number; height: number; type: string }, size: number) =>
  CHECKABLE_TYPES.includes(i.type) && i.width <= CHECK_LIMITS.maxWidth && i.height <= CHECK_LIMITS.maxHeight && size <= CHECK_LIMITS.targetBytes;

/**
 * A copy of the photo at `src` within the content check's limits (the same
 * path when it already is): scaled to fit 750 × 1334, JPG, quality lowered
 * until ≤ 300 KB. Throws EVIDENCE_INVALID when the phone cannot get there.
 */
export async function checkableImage(src: string, size?: number): Promise<string> {
  const info = await imageInfo(src);
  if (within(info, size ?? (await fileSize(src)))) return src;
  const scale = Math.min(1, CHECK_LIMITS.maxWidth / info.width, CHECK_LIMITS.maxHeight / info.height);
  const width = Math.max(1, Math.floor(info.width * scale));
  const height = Math.max(1, Math.floor(info.height * scale));
  for (const quality of [80, 60, 40]) {
    const out = await compress(src, quality, width, height);
    const got = await imageInfo(out);
    if (within({ ...got, type: got.type || 'jpeg' }, await fileSize(out))) return out;
  }
  throw new ApiError('EVIDENCE_INVALID', '这张照片无法压缩到内容安全检测的要求（750×1334 像素、300KB 以内），请换一张照片');
}

function newCloudPath(openid: string, ext: string): string {
  const rand = Math.floor(Math.random() * 36 ** 6).toString(36);
  return `evidence/${openid}/${Date.now()}-${rand}.${ext}`;
}

function put(cloudPath: string, filePath: string): Promise<string> {
  return config.mode === 'local' ? uploadLocal(cloudPath, filePath) : uploadCloud(cloudPath, filePath);
}

/**
 * Upload one picked file: a photo as its checkable copy; a video with its
 * poster frame (`thumb`, compressed) first, beside it as `<video>.poster.jpg`.
 */
export async function uploadOne(filePath: string, kind: 'PHOTO' | 'VIDEO', thumb?: string): Promise<string> {
  const openid = await ensureOpenid().catch(() => '');
  if (!openid) throw new ApiError('UNAUTHENTICATED', '请先登录后再上传凭证');
  if (kind === 'PHOTO') return put(newCloudPath(openid, 'jpg'), await checkableImage(filePath));
  const cloudPath = newCloudPath(openid, extOf(filePath, 'mp4'));
  if (!thumb) throw new ApiError('EVIDENCE_INVALID', '无法获取视频封面，不能完成内容安全检测，请重新选择视频');
  await put(`${cloudPath}.poster.jpg`, await checkableImage(thumb));
  return put(cloudPath, filePath);
}

/** Let the user pick up to `count` photos/videos and upload them. Resolves with what was uploaded ([] when cancelled). */
export function chooseAndUpload(count: number, mediaType: ('image' | 'video')[] = ['image', 'video']): Promise<Uploaded[]> {
  if (count <= 0) {
    toast('凭证已达上限');
    return Promise.resolve([]);
  }
  return new Promise((resolve) => {
    wx.chooseMedia({
      count,
      mediaType,
      sourceType: ['album', 'camera'],
      sizeType: ['compressed'],
      maxDuration: 30,
      success: async (res) => {
        const out: Uploaded[] = [];
        const files = res.tempFiles ?? [];
        if (files.length) wx.showLoading({ title: '上传中', mask: true });
        try {
          for (const f of files) {
            if (f.size > MAX_EVIDENCE_BYTES) {
              toast('单个文件不能超过 10MB');
              continue;
            }
            const kind = f.fileType === 'video' ? 'VIDEO' : 'PHOTO';
            try {
              const fileID = await uploadOne(f.tempFilePath, kind, f.thumbTempFilePath);
              out.push({ fileID, kind, thumb: kind === 'VIDEO' ? f.thumbTempFilePath || '' : f.tempFilePath });
            } catch (e) {
              toast(e instanceof ApiError && e.code === 'EVIDENCE_INVALID' ? e.message : '上传失败，请重试');
            }
          }
        } finally {
          if (files.length) wx.hideLoading();
        }
        resolve(out);
      },
      fail: () => resolve([]),
    });
  });
}
