/**
 * The `/admin` endpoint every SDK request goes to (TCB_CONTEXT_CNFG.URL), and
 * `/admin/w/<workerId>` for function workers so requests can be counted per
 * invocation.
 *
 * Wire (node-sdk 3.17.2): `POST /admin?env=<env>&seqId=<id>` with a JSON body
 * `{ action, envName, ...params }` (multipart/form-data for wx.openApi and
 * wx.wxPayApi). Replies are HTTP 200: `{ data, requestId }` on success,
 * `{ code, message, requestId }` on failure — the SDK throws on any truthy
 * `code` and wx-server-sdk maps the string code to its errCode.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DbError } from '../db/errors';
import type { ActionHandler, AdminReply, AdminRequest, HttpResult, Stats } from '../types';
import { boundaryOf, MultipartError, parseMultipart } from './multipart';
import { scrubPaths } from '../http/scrub';

/** JSON replies use exactly this type: wx-server-sdk only JSON-parses wx.openApi errors sent with it. */
export const JSON_TYPE = 'application/json; charset=utf-8';

export const ADMIN_BODY_LIMIT = 64 * 1024 * 1024;

/** Request ids: 16 hex digits, a random prefix for this process and a counter (a random draw per request cost a system call each). */
const REQUEST_ID_PREFIX = randomBytes(4).toString('hex');
let requestSeq = 0;
export function newRequestId(): string {
  requestSeq = (requestSeq + 1) % 0x100000000;
  return REQUEST_ID_PREFIX + requestSeq.toString(16).padStart(8, '0');
}

export interface AdminEndpointOptions {
  actions: Map<string, ActionHandler>;
  stats: Stats;
  onError?: (err: unknown, req: AdminRequest) => void;
}

export function decodeAdminRequest(req: IncomingMessage, body: Buffer, workerId: string | undefined): AdminRequest | { error: string } {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const type = String(req.headers['content-type'] ?? '');
  let params: Record<string, any> = {};
  let files: Record<string, Buffer> = {};
  if (/^multipart\/form-data/i.test(type)) {
    const boundary = boundaryOf(type);
    if (!boundary) return { error: 'multipart request without a boundary' };
    try {
      const parsed = parseMultipart(body, boundary);
      params = parsed.fields;
      files = parsed.files;
    } catch (e) {
      if (e instanceof MultipartError) return { error: e.message };
      throw e;
    }
  } else {
    const text = body.toString('utf8');
    if (text.trim() === '') return { error: 'empty request body' };
    try {
      params = JSON.parse(text);
    } catch (e) {
      return { error: `request body is not valid JSON: ${(e as Error).message}` };
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params)) return { error: 'request body must be a JSON object' };
  }
  const action = typeof params.action === 'string' ? params.action : '';
  if (!action) return { error: 'action is required' };
  return { action, params, files, workerId, query };
}

export function adminHandler(opts: AdminEndpointOptions) {
  return async (req: IncomingMessage, body: Buffer, params: Record<string, string>): Promise<HttpResult> => {
    const workerId = params.workerId;
    const decoded = decodeAdminRequest(req, body, workerId);
    if ('error' in decoded) {
      if (workerId) opts.stats.count(workerId, 'invalid');
      return { status: 400, json: { code: 'INVALID_PARAM', message: decoded.error, errCode: 'INVALID_REQUEST', errMsg: decoded.error, requestId: newRequestId() } };
    }
    if (workerId) opts.stats.count(workerId, decoded.action);
    const handler = opts.actions.get(decoded.action);
    let reply: AdminReply;
    if (!handler) {
      reply = {
        kind: 'json',
        body: {
          code: 'INVALID_ACTION',
          message: `action ${decoded.action} is not supported by the local CloudBase emulator`,
          requestId: newRequestId(),
        },
      };
    } else {
      try {
        reply = await handler(decoded);
      } catch (e) {
        if (e instanceof DbError) {
          reply = { kind: 'json', body: { code: e.code, message: e.message, requestId: newRequestId() } };
        } else {
          opts.onError?.(e, decoded);
          const err = e as { code?: unknown; message?: unknown };
          const code = typeof err?.code === 'string' && /^[A-Z_]+$/.test(err.code) ? err.code : 'SYS_ERR';
          reply = { kind: 'json', body: { code, message: String(err?.message ?? e), requestId: newRequestId() } };
        }
      }
    }
    if (reply.kind === 'raw') return { status: 200, raw: { contentType: reply.contentType, body: reply.body } };
    // error answers carry no machine path; data answers (documents) are passed as stored
    const text = JSON.stringify(reply.body ?? null);
    const isError = !!(reply.body && typeof reply.body === 'object' && (reply.body as { code?: unknown }).code);
    return { status: 200, raw: { contentType: JSON_TYPE, body: Buffer.from(isError ? scrubPaths(text) : text) } };
  };
}
