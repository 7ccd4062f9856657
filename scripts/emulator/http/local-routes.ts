/**
 * Client-facing `/_local/*` routes of the core (see docs: api.md "Local
 * emulator: HTTP interface"):
 *
 * - POST /_local/seed `{ "<collection>": [docs] }` — creates collections as
 *   needed and writes the documents as given: a new `_id` is inserted, an
 *   existing `_id` is replaced (so seeding twice is harmless); documents
 *   without `_id` get one. Dates: EJSON `{"$date": ...}` and any string that
 *   is a full ISO-8601 instant ("2024-05-01T08:00:00Z", "...+08:00") become
 *   Dates. Replies `{ inserted: {coll: n}, replaced: {coll: n}, ids: {coll: [...]} }`.
 * - GET /_local/db → `{ collections: [{ name, count }] }`
 * - GET /_local/db/<collection> → `{ data: [all docs] }` (Dates as ISO strings;
 *   a collection that does not exist gives `{ data: [], exists: false }`)
 * - DELETE /_local/db/<collection> → drops it
 * - POST /_local/storage `{ cloudPath, contentBase64, contentType? }` → `{ fileID, size, contentType, tempFileURL }`
 * - GET /_local/storage → `{ files: [...] }`
 * - GET /_local/clock, POST /_local/clock `{ advanceMs }` | `{ now }` (ISO or ms; `now` may also move it back) → `{ now, nowMs, offsetMs }`
 * - GET /_local/stats → `{ invocations, summary, unindexedQueries }`; POST|DELETE /_local/stats/reset, DELETE /_local/stats
 * - GET /_local/health → `{ ok: true, ... }`
 */
import type { VirtualClock } from '../clock';
import { reviveSeedValue, toPlainJson, type Doc, isPlainObject } from '../db/ejson';
import { DbError } from '../db/errors';
import { idKey, type DocStore } from '../db/store';
import type { EmulatorStats } from '../stats';
import type { FileStore } from '../storage/files';
import type { RouteHandler } from '../types';
import { badRequest, HttpError, parseJsonBody } from './errors';
import { MAX_NESTING_DEPTH, nestingDepth } from '../limits';
import type { Method } from './router';

export interface LocalRoutesContext {
  store: DocStore;
  files: FileStore;
  clock: VirtualClock;
  stats: EmulatorStats;
  envId: string;
}

export interface LocalRoute {
  method: Method;
  pattern: string;
  handler: RouteHandler;
  bodyLimit?: number;
}

export function localRoutes(ctx: LocalRoutesContext): LocalRoute[] {
  const { store, files, clock, stats } = ctx;
  const now = () => clock.now();

  const clockState = () => {
    const n = clock.now();
    return { now: new Date(n).toISOString(), nowMs: n, offsetMs: clock.offset() };
  };

  const seed: RouteHandler = async (_req, body) => {
    const input = parseJsonBody(body, { object: true });
    const plan: { coll: string; docs: Doc[] }[] = [];
    for (const [coll, docs] of Object.entries(input)) {
      if (!Array.isArray(docs)) throw badRequest(`"${coll}" must be a list of documents`);
      if (coll === '' || coll.includes('\u0000') || coll.length > 128) throw badRequest(`invalid collection name: ${JSON.stringify(coll)}`);
      const revived: Doc[] = [];
      const seen = new Set<string>();
      docs.forEach((d, i) => {
        if (!isPlainObject(d)) throw badRequest(`${coll}[${i}] must be an object`);
        let v: Doc;
        if (nestingDepth(d, MAX_NESTING_DEPTH + 2) > MAX_NESTING_DEPTH + 2) throw badRequest(`${coll}[${i}] is nested deeper than the maximum of ${MAX_NESTING_DEPTH} levels`);
        try {
          v = reviveSeedValue(d, now);
        } catch (e) {
          throw badRequest(`${coll}[${i}]: ${(e as Error).message}`);
        }
        if (Object.keys(v).some((k) => k.startsWith('$'))) throw badRequest(`${coll}[${i}] has a $-prefixed field`);
        if (v._id !== undefined && v._id !== null) {
          const k = idKey(v._id);
          if (seen.has(k)) throw badRequest(`${coll}: _id ${JSON.stringify(v._id)} appears twice`);
          seen.add(k);
        }
        revived.push(v);
      });
      plan.push({ coll, docs: revived });
    }
    // everything validated: write (synchronously, collection by collection)
    const inserted: Record<string, number> = {};
    const replaced: Record<string, number> = {};
    const ids: Record<string, unknown[]> = {};
    try {
      for (const { coll, docs } of plan) {
        store.createCollection(coll);
        const fresh: Doc[] = [];
        const existing: Doc[] = [];
        for (const d of docs) {
          if (d._id !== undefined && d._id !== null) {
            if (store.getById(coll, d._id)) {
              existing.push(d);
              continue;
            }
          }
          fresh.push(d);
        }
        const newIds = fresh.length ? store.insert(coll, fresh) : [];
        if (existing.length) store.applyWrites(existing.map((d) => ({ collection: coll, id: d._id, doc: d })));
        inserted[coll] = fresh.length;
        replaced[coll] = existing.length;
        ids[coll] = [...newIds, ...existing.map((d) => d._id)];
      }
    } catch (e) {
      if (e instanceof DbError) throw new HttpError(409, e.code, e.message);
      throw e;
    }
    return { status: 200, json: { inserted, replaced, ids } };
  };

  const listCollections: RouteHandler = async () => ({
    status: 200,
    json: { collections: store.collectionNames().map((name) => ({ name, count: store.size(name), indexes: store.indexes(name) })) },
  });

  const dumpCollection: RouteHandler = async (_req, _body, params) => {
    const name = params.collection;
    if (!store.hasCollection(name)) return { status: 200, json: { data: [], exists: false } };
    return { status: 200, json: { data: store.find(name, undefined).map(toPlainJson), exists: true } };
  };

  const dropCollection: RouteHandler = async (_req, _body, params) => {
    return { status: 200, json: { dropped: store.dropCollection(params.collection) } };
  };

  const putFile: RouteHandler = async (_req, body) => {
    const input = parseJsonBody(body, { object: true });
    const { cloudPath, contentBase64, contentType } = input;
    if (typeof cloudPath !== 'string' || cloudPath === '') throw badRequest('cloudPath (string) is required');
    if (typeof contentBase64 !== 'string') throw badRequest('contentBase64 (string) is required');
    if (!/^[A-Za-z0-9+/=_\-\s]*$/.test(contentBase64)) throw badRequest('contentBase64 is not base64');
    if (contentType !== undefined && typeof contentType !== 'string') throw badRequest('contentType must be a string');
    let info;
    try {
      info = files.putSync(cloudPath, Buffer.from(contentBase64, 'base64'), contentType);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
    return { status: 200, json: { ...info, tempFileURL: files.tempUrlFor(info.fileID) } };
  };

  const listFiles: RouteHandler = async (req) => {
    const prefix = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('prefix') ?? '';
    return { status: 200, json: { files: files.listSync(prefix) } };
  };

  const getClock: RouteHandler = async () => ({ status: 200, json: clockState() });

  const setClock: RouteHandler = async (_req, body) => {
    const input = parseJsonBody(body, { object: true });
    const hasAdvance = input.advanceMs !== undefined;
    const hasNow = input.now !== undefined;
    if (hasAdvance === hasNow) throw badRequest('give exactly one of { advanceMs } or { now }');
    if (hasAdvance) {
      const ms = input.advanceMs;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw badRequest('advanceMs must be a number ≥ 0');
      clock.advance(ms);
    } else {
      const v = input.now;
      const target = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
      if (!Number.isFinite(target)) throw badRequest('now must be an ISO date-time string or ms since epoch');
      clock.set(target);
    }
    return { status: 200, json: clockState() };
  };

  const getStats: RouteHandler = async () => ({
    status: 200,
    // unindexedQueries: queries no declared index served (collection scans), by shape, with the function that sent them
    json: { invocations: stats.list(), summary: stats.summary(), unindexedQueries: store.unindexedQueries() },
  });

  const resetStats: RouteHandler = async () => {
    stats.reset();
    store.resetUnindexed();
    return { status: 200, json: { ok: true } };
  };

  const health: RouteHandler = async () => ({
    status: 200,
    json: { ok: true, env: ctx.envId, now: new Date(clock.now()).toISOString(), collections: store.collectionNames().length },
  });

  return [
    { method: 'POST', pattern: '/_local/seed', handler: seed, bodyLimit: 64 * 1024 * 1024 },
    { method: 'GET', pattern: '/_local/db', handler: listCollections },
    { method: 'GET', pattern: '/_local/db/:collection', handler: dumpCollection },
    { method: 'DELETE', pattern: '/_local/db/:collection', handler: dropCollection },
    { method: 'POST', pattern: '/_local/storage', handler: putFile, bodyLimit: 140 * 1024 * 1024 },
    { method: 'GET', pattern: '/_local/storage', handler: listFiles },
    { method: 'GET', pattern: '/_local/clock', handler: getClock },
    { method: 'POST', pattern: '/_local/clock', handler: setClock },
    { method: 'GET', pattern: '/_local/stats', handler: getStats },
    { method: 'POST', pattern: '/_local/stats/reset', handler: resetStats },
    { method: 'DELETE', pattern: '/_local/stats/reset', handler: resetStats },
    { method: 'DELETE', pattern: '/_local/stats', handler: resetStats },
    { method: 'GET', pattern: '/_local/health', handler: health },
  ];
}
