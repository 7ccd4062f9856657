/**
 * A small stand-in for the emulator core (scripts/emulator/core.ts), enough to
 * test the runtime parts on their own: an HTTP server on 127.0.0.1:0 with the
 * /admin wire (JSON and multipart bodies), routes, stats per worker and an
 * in-memory document list. No SDK database actions.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '../../../scripts/emulator/clock';
import type {
  ActionHandler,
  AdminRequest,
  Emulator,
  EmulatorDb,
  HttpResult,
  InvocationRecord,
  RouteHandler,
  Stats,
} from '../../../scripts/emulator/types';

function parseMultipart(body: Buffer, contentType: string): { params: Record<string, any>; files: Record<string, Buffer> } {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const params: Record<string, any> = {};
  const files: Record<string, Buffer> = {};
  if (!m) return { params, files };
  const boundary = Buffer.from('--' + (m[1] ?? m[2]));
  let pos = body.indexOf(boundary);
  while (pos >= 0) {
    const start = pos + boundary.length;
    if (body.slice(start, start + 2).toString() === '--') break;
    const next = body.indexOf(boundary, start);
    if (next < 0) break;
    const part = body.slice(start + 2, next - 2); // skip CRLF after boundary, CRLF before next
    const headEnd = part.indexOf('\r\n\r\n');
    const head = part.slice(0, headEnd).toString('utf8');
    const content = part.slice(headEnd + 4);
    const name = /name="([^"]*)"/i.exec(head)?.[1] ?? '';
    if (/content-type:/i.test(head) || /filename=/i.test(head)) files[name] = content;
    else params[name] = content.toString('utf8');
    pos = next;
  }
  return { params, files };
}

function matches(doc: Record<string, any>, query: Record<string, unknown> = {}): boolean {
  return Object.entries(query).every(([k, v]) => {
    const parts = k.split('.');
    const values: unknown[] = [];
    const walk = (x: any, i: number) => {
      if (i === parts.length) return values.push(x);
      if (Array.isArray(x)) x.forEach((y) => walk(y, i));
      else if (x && typeof x === 'object') walk(x[parts[i]], i + 1);
    };
    walk(doc, 0);
    return values.some((x) => JSON.stringify(x) === JSON.stringify(v) || (Array.isArray(x) && x.some((y) => JSON.stringify(y) === JSON.stringify(v))));
  });
}

export interface FakeEmulator extends Emulator {
  adminLog: AdminRequest[];
}

export async function createFakeEmulator(opts: { functionsDir: string; dataDir: string }): Promise<FakeEmulator> {
  const actions = new Map<string, ActionHandler>();
  const routes: { method: string; parts: string[]; handler: RouteHandler }[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  const docs = new Map<string, Record<string, any>[]>();
  const records: InvocationRecord[] = [];
  const open = new Map<string, InvocationRecord>();
  const adminLog: AdminRequest[] = [];

  const stats: Stats = {
    begin(workerId, inv) {
      const rec: InvocationRecord = { ...inv, startedAt: Date.now(), dbRequests: 0, dbByAction: {} };
      open.set(workerId, rec);
      records.push(rec);
    },
    end(workerId, outcome) {
      const rec = open.get(workerId);
      open.delete(workerId);
      if (rec) {
        rec.outcome = outcome;
        rec.durationMs = Date.now() - rec.startedAt;
      }
      return rec;
    },
    count(workerId, action) {
      const rec = open.get(workerId);
      if (rec && action.startsWith('database.')) {
        rec.dbRequests++;
        rec.dbByAction[action] = (rec.dbByAction[action] ?? 0) + 1;
      }
    },
    list: () => records,
    reset: () => void records.splice(0),
  };

  const db: EmulatorDb = {
    async find(c, q) {
      return (docs.get(c) ?? []).filter((d) => matches(d, q)).map((d) => structuredClone(d));
    },
    async insert(c, list) {
      const arr = docs.get(c) ?? [];
      arr.push(...list.map((d) => structuredClone(d)));
      docs.set(c, arr);
    },
    async update(c, q, u) {
      let n = 0;
      for (const d of docs.get(c) ?? []) {
        if (matches(d, q)) {
          Object.assign(d, (u as any).$set ?? u);
          n++;
        }
      }
      return n;
    },
    async collections() {
      return [...docs.keys()];
    },
    async remove(c, q) {
      const arr = docs.get(c) ?? [];
      const keep = arr.filter((d) => !matches(d, q));
      docs.set(c, keep);
      return arr.length - keep.length;
    },
    async createCollection(c) {
      if (!docs.has(c)) docs.set(c, []);
    },
    async ensureIndex() {
      /* not modelled */
    },
  };
  const noStorage = (): never => {
    throw new Error('storage is not part of the fake emulator');
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (r: HttpResult) => {
        if (r.raw) {
          res.writeHead(r.status, { 'content-type': r.raw.contentType });
          res.end(r.raw.body);
        } else {
          res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(r.json ?? null));
        }
      };
      try {
        const adm = /^\/admin(?:\/w\/([^/]+))?\/?$/.exec(url.pathname);
        if (adm && req.method === 'POST') {
          const ct = String(req.headers['content-type'] ?? '');
          let params: Record<string, any> = {};
          let files: Record<string, Buffer> = {};
          if (ct.startsWith('multipart/')) ({ params, files } = parseMultipart(body, ct));
          else params = body.length ? JSON.parse(body.toString('utf8')) : {};
          const workerId = adm[1] ? decodeURIComponent(adm[1]) : undefined;
          const ar: AdminRequest = {
            action: String(params.action ?? ''),
            params,
            files,
            workerId,
            query: Object.fromEntries(url.searchParams),
          };
          adminLog.push(ar);
          if (workerId) stats.count(workerId, ar.action);
          const h = actions.get(ar.action);
          if (!h) return send({ status: 200, json: { code: 'INVALID_ACTION', message: `unknown action ${ar.action}` } });
          const reply = await h(ar);
          if (reply.kind === 'raw') return send({ status: 200, raw: { contentType: reply.contentType, body: reply.body } });
          return send({ status: 200, json: reply.body });
        }
        if (url.pathname === '/_local/clock' && req.method === 'POST') {
          const b = body.length ? JSON.parse(body.toString('utf8')) : {};
          if (typeof b.advanceMs === 'number') clock.advance(b.advanceMs);
          if (b.now !== undefined) clock.set(new Date(b.now).getTime());
          return send({ status: 200, json: { now: new Date(clock.now()).toISOString() } });
        }
        const segs = url.pathname.split('/').filter(Boolean);
        for (const r of routes) {
          if (r.method !== req.method || r.parts.length !== segs.length) continue;
          const params: Record<string, string> = {};
          if (r.parts.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(segs[i])), true) : p === segs[i]))) {
            return send(await r.handler(req, body, params));
          }
        }
        send({ status: 404, json: { errCode: 404, errMsg: `no route ${req.method} ${url.pathname}` } });
      } catch (e: any) {
        send({ status: 500, json: { errCode: -1, errMsg: String(e?.stack ?? e) } });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const clock = new VirtualClock();

  const emu: FakeEmulator = {
    url: `http://127.0.0.1:${port}`,
    port,
    clock,
    db,
    stats,
    functionsDir: opts.functionsDir,
    dataDir: opts.dataDir,
    envId: 'fake-env',
    storage: {
      put: noStorage,
      stat: noStorage,
      read: noStorage,
      remove: noStorage,
      list: noStorage,
      fileIdFor: noStorage,
      cloudPathOf: noStorage,
      tempUrlFor: noStorage,
    },
    adminLog,
    registerAction: (a, h) => void actions.set(a, h),
    registerRoute: (method, pattern, handler) => void routes.push({ method, parts: pattern.split('/').filter(Boolean), handler }),
    onClose: (fn) => void closers.push(fn),
    async close() {
      for (const fn of closers.reverse()) await fn();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return emu;
}
