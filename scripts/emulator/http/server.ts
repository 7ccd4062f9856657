/**
 * The emulator's HTTP server: routes from the Router, bodies read up to a
 * limit, JSON errors `{ errCode, errMsg }` for everything that goes wrong.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpResult } from '../types';
import { HttpError } from './errors';
import { BadPathError, Router } from './router';
import { scrubPaths } from './scrub';

export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

export interface HttpServer {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  host: string;
  port: number;
  bodyLimit?: number;
  /** called for unexpected handler errors (not HttpError) */
  onError?: (err: unknown, req: http.IncomingMessage) => void;
}

export async function startHttpServer(router: Router, opts: ServerOptions): Promise<HttpServer> {
  const defaultLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      // last resort: never leave a request hanging
      try {
        if (!res.headersSent) sendJson(res, 500, { errCode: 'INTERNAL', errMsg: String((err as Error)?.message ?? err) });
        else res.destroy();
      } catch {
        /* ignore */
      }
    });
  });
  // An idle kept-alive connection stays open longer than any client here keeps one (Node's global agent and the
  // SDK's agentkeepalive drop theirs after 4–5 s; the test harness reuses its own): a client then never sends on a
  // connection the server is closing at that moment (read ECONNRESET). close() ends every connection at once.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      drain(req);
      return sendJson(res, 400, { errCode: 'INVALID_REQUEST', errMsg: `bad request URL: ${req.url}` });
    }
    let match;
    try {
      match = router.match(req.method ?? 'GET', url.pathname);
    } catch (e) {
      drain(req);
      if (e instanceof BadPathError) return sendJson(res, 400, { errCode: 'INVALID_REQUEST', errMsg: e.message });
      throw e;
    }
    if (!match) {
      drain(req);
      return sendJson(res, 404, { errCode: 'NOT_FOUND', errMsg: `no route for ${req.method} ${url.pathname}` });
    }
    if ('allowed' in match) {
      drain(req);
      res.setHeader('Allow', match.allowed.join(', '));
      return sendJson(res, 405, { errCode: 'METHOD_NOT_ALLOWED', errMsg: `${req.method} not allowed on ${url.pathname}; use ${match.allowed.join(', ')}` });
    }
    const limit = match.options.bodyLimit ?? defaultLimit;
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (e) {
      if (e instanceof HttpError) {
        res.setHeader('Connection', 'close');
        return sendJson(res, e.status, { errCode: e.errCode, errMsg: e.message });
      }
      throw e;
    }
    let result: HttpResult;
    try {
      result = await match.handler(req, body, match.params);
    } catch (e) {
      if (e instanceof HttpError) {
        const payload: Record<string, unknown> = { errCode: e.errCode, errMsg: e.message };
        if (e.details !== undefined) payload.details = e.details;
        return sendJson(res, e.status, payload);
      }
      opts.onError?.(e, req);
      return sendJson(res, 500, { errCode: 'INTERNAL', errMsg: String((e as Error)?.message ?? e) });
    }
    send(res, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      drain(req);
      reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body is ${declared} bytes; the limit is ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}

function drain(req: http.IncomingMessage) {
  req.resume();
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = scrubPaths(JSON.stringify(body ?? null));
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

function send(res: http.ServerResponse, result: HttpResult): void {
  if (result.raw) {
    // served byte for byte (files, protobuf); the admin wire scrubs its own JSON answers
    res.statusCode = result.status;
    res.setHeader('Content-Type', result.raw.contentType);
    res.setHeader('Content-Length', result.raw.body.length);
    res.end(result.raw.body);
    return;
  }
  if (result.json === undefined && (result.status === 204 || result.status === 304)) {
    res.statusCode = result.status;
    res.end();
    return;
  }
  sendJson(res, result.status, result.json ?? null);
}
