/**
 * `storage.*` admin actions and the HTTP routes the SDK (and clients) then use.
 *
 * uploadFile (node-sdk 3.17.2): `storage.getUploadMetadata { path, method: 'put' }`
 * → `data: { url, token, authorization, fileId, cosFileId }`, then a PUT of the
 * raw bytes to `url` (headers Signature, x-cos-security-token, x-cos-meta-fileid,
 * authorization, key = encodeURIComponent(cloudPath); no content type). COS
 * answers an empty body on success (the SDK parses it as XML).
 * getTempFileURL: `storage.batchGetDownloadUrl { file_list: [{ fileid, max_age }] }`
 * → `data.download_list: [{ fileID, tempFileURL, code, maxAge }]`;
 * downloadFile GETs `encodeURI(tempFileURL)`; getFileInfo HEADs it.
 * deleteFile: `storage.batchDeleteFile { fileid_list }` → `data.delete_list: [{ fileID, code }]`.
 */
import { randomBytes } from 'node:crypto';
import type { ActionHandler, AdminReply, HttpResult, RouteHandler } from '../types';
import { FileStore, normalizeCloudPath } from './files';

interface Pending {
  cloudPath: string;
  expires: number;
}

export interface StorageWiring {
  actions: Record<string, ActionHandler>;
  routes: { method: 'GET' | 'PUT'; pattern: string; handler: RouteHandler; bodyLimit?: number }[];
}

export const UPLOAD_LIMIT = 100 * 1024 * 1024;

export function storageWiring(files: FileStore, baseUrl: () => string, requestId: () => string): StorageWiring {
  const pending = new Map<string, Pending>();

  const ok = (data: unknown): AdminReply => ({ kind: 'json', body: { data, requestId: requestId() } });
  const fail = (code: string, message: string): AdminReply => ({ kind: 'json', body: { code, message, requestId: requestId() } });

  const gc = () => {
    const now = Date.now();
    for (const [k, p] of pending) if (p.expires < now) pending.delete(k);
  };

  const actions: Record<string, ActionHandler> = {
    'storage.getUploadMetadata': async (req) => {
      let cloudPath: string;
      try {
        cloudPath = normalizeCloudPath(req.params.path);
      } catch (e) {
        return fail('INVALID_PARAM', (e as Error).message);
      }
      gc();
      const token = randomBytes(16).toString('hex');
      pending.set(token, { cloudPath, expires: Date.now() + 3600_000 });
      const fileId = files.fileIdFor(cloudPath);
      return ok({
        url: `${baseUrl()}/_local/upload/${token}`,
        token,
        authorization: `q-sign-algorithm=sha1&q-ak=local-emulator&q-signature=${token}`,
        fileId,
        cosFileId: `local-${token}`,
        download_url: files.tempUrlFor(cloudPath),
      });
    },

    'storage.batchGetDownloadUrl': async (req) => {
      const list = req.params.file_list;
      if (!Array.isArray(list)) return fail('INVALID_PARAM', 'file_list must be a list');
      const download_list = list.map((item: any) => {
        const fileID = String(item?.fileid ?? item?.fileID ?? '');
        const maxAge = item?.max_age ?? 86400;
        const info = fileID ? files.statSync(fileID) : undefined;
        if (!info) {
          return { fileID, tempFileURL: '', code: 'STORAGE_FILE_NONEXIST', message: 'storage file not exists', maxAge };
        }
        return { fileID, tempFileURL: files.tempUrlFor(fileID), code: 'SUCCESS', maxAge };
      });
      return ok({ download_list });
    },

    'storage.batchDeleteFile': async (req) => {
      const list = req.params.fileid_list;
      if (!Array.isArray(list)) return fail('INVALID_PARAM', 'fileid_list must be a list');
      const delete_list = list.map((fileID: unknown) => {
        const id = String(fileID ?? '');
        const removed = id ? files.removeSync(id) : false;
        return removed ? { fileID: id, code: 'SUCCESS' } : { fileID: id, code: 'STORAGE_FILE_NONEXIST', message: 'storage file not exists' };
      });
      return ok({ delete_list });
    },
  };

  const upload: RouteHandler = async (req, body, params) => {
    const p = pending.get(params.token);
    let cloudPath = p?.cloudPath;
    if (!cloudPath) {
      // emulator restarted between getUploadMetadata and the PUT: trust the key header
      const key = req.headers['key'];
      if (typeof key === 'string' && key) cloudPath = decodeURIComponent(key);
    }
    if (!cloudPath) return cosError(403, 'AccessDenied', 'unknown or expired upload token');
    pending.delete(params.token);
    const type = req.headers['content-type'];
    files.putSync(cloudPath, body, typeof type === 'string' && type !== 'application/octet-stream' ? type : undefined);
    return { status: 200, raw: { contentType: 'application/xml', body: Buffer.alloc(0) } };
  };

  const download: RouteHandler = async (_req, _body, params) => {
    const raw = params['*'];
    let found = files.readSync(raw);
    if (!found && raw.includes('%')) {
      // the SDK encodeURI()s temp URLs: a '%' in a cloudPath arrives encoded twice
      try {
        found = files.readSync(decodeURIComponent(raw));
      } catch {
        /* not decodable */
      }
    }
    if (!found) return cosError(404, 'NoSuchKey', `The specified key does not exist: ${raw}`);
    const result: HttpResult = { status: 200, raw: { contentType: found.info.contentType, body: found.content } };
    return result;
  };

  return {
    actions,
    routes: [
      { method: 'PUT', pattern: '/_local/upload/:token', handler: upload, bodyLimit: UPLOAD_LIMIT },
      { method: 'GET', pattern: '/_local/files/*', handler: download },
    ],
  };
}

function cosError(status: number, code: string, message: string): HttpResult {
  const xml = `<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n<Code>${code}</Code>\n<Message>${escapeXml(message)}</Message>\n<Resource></Resource>\n<RequestId>local</RequestId>\n<TraceId>local</TraceId>\n</Error>`;
  return { status, raw: { contentType: 'application/xml', body: Buffer.from(xml) } };
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}
