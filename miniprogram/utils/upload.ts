/**
 * Evidence: choose photos / videos (wx.chooseMedia) and upload them to cloud
 * storage under `evidence/<openid>/` (wx.cloud.uploadFile, or the emulator's
 * POST /_local/storage in local mode). The functions only accept files in the
 * caller's own folder, of a real image/video type, within the size limit.
 */
import { config } from '../config';
import { ApiError, toast } from './api';
import { ensureOpenid } from './session';

export const MAX_EVIDENCE_BYTES = 10 * 1024 * 1024;

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

export async function uploadOne(filePath: string, kind: 'PHOTO' | 'VIDEO'): Promise<string> {
  const openid = await ensureOpenid().catch(() => '');
  if (!openid) throw new ApiError('UNAUTHENTICATED', '请先登录后再上传凭证');
  const rand = Math.floor(Math.random() * 36 ** 6).toString(36);
  const cloudPath = `evidence/${openid}/${Date.now()}-${rand}.${extOf(filePath, kind === 'VIDEO' ? 'mp4' : 'jpg')}`;
  return config.mode === 'local' ? uploadLocal(cloudPath, filePath) : uploadCloud(cloudPath, filePath);
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
              const fileID = await uploadOne(f.tempFilePath, kind);
              out.push({ fileID, kind, thumb: kind === 'VIDEO' ? f.thumbTempFilePath || '' : f.tempFilePath });
            } catch {
              toast('上传失败，请重试');
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
