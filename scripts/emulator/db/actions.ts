/**
 * `database.*` admin actions — what @cloudbase/database 1.4.3 sends and what
 * it reads back:
 *
 * | action | params | reply `data` |
 * |---|---|---|
 * | addCollection | collectionName | {} |
 * | insertDocument | collectionName, data: [EJSON], transactionId? | { insertedIds } |
 * | getDocument | queryType WHERE/DOC, query, order, offset, limit (SDK: 100 default, min(limit,1000)), projection, transactionId? | { list: [EJSON], limit, offset } |
 * | calculateDocument | query | { total } |
 * | modifyDocument | queryType, query, data (EJSON), multi, merge (false = replace), upsert, transactionId? | { updated, upsert_id? } |
 * | modifyAndReturnDoc | query, data, transactionId? | { updated, doc: EJSON|null } |
 * | removeDocument | queryType, query, multi, transactionId? | { deleted } |
 * | aggregateDocuments | stages: [{ stageKey: '$match', stageValue: EJSON/JSON text }] | { list: [EJSON] } |
 * | startTransaction | — | top-level transactionId |
 * | commitTransaction / abortTransaction | transactionId | {} |
 */
import { Query } from 'mingo';
import type { ActionHandler, AdminReply, AdminRequest } from '../types';
import { clone, decodeEJSON, encodeEJSON, isPlainObject, normalize, type Doc } from './ejson';
import { DbError } from './errors';
import { MAX_NESTING_DEPTH, nestingDepth } from '../limits';
import type { DocStore } from './store';
import type { TransactionManager } from './transactions';
import { isOperatorUpdate, toOperatorUpdate } from './update';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** aggregate() without .limit(): 20 documents (community reports; the reference says nothing). */
export const AGGREGATE_DEFAULT_LIMIT = 20;

export interface DbActionContext {
  store: DocStore;
  txns: TransactionManager;
  now: () => number;
  requestId: () => string;
}

export function databaseActions(ctx: DbActionContext): Record<string, ActionHandler> {
  const { store, txns, now } = ctx;

  const ok = (data: unknown, extra: Record<string, unknown> = {}): AdminReply => ({
    kind: 'json',
    body: { data, requestId: ctx.requestId(), ...extra },
  });

  const decode = (v: unknown, what: string): any => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') {
      // measured before the (recursive) EJSON revival: a 5,000-deep value gets a clean answer, not a stack overflow
      let plain: unknown;
      try {
        plain = JSON.parse(v);
      } catch (e) {
        throw new DbError('INVALID_PARAM', `${what} is not valid EJSON: ${(e as Error).message}`);
      }
      // + 4: room for update operators and EJSON type wrappers around a 100-level document
      if (nestingDepth(plain, MAX_NESTING_DEPTH + 4) > MAX_NESTING_DEPTH + 4) {
        throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] ${what} is nested deeper than the maximum of ${MAX_NESTING_DEPTH} levels`);
      }
      try {
        return decodeEJSON(v, now);
      } catch (e) {
        throw new DbError('INVALID_PARAM', `${what} is not valid EJSON: ${(e as Error).message}`);
      }
    }
    if (typeof v === 'object') return normalize(clone(v), now);
    return v;
  };

  const collectionName = (p: Record<string, any>): string => {
    const name = p.collectionName;
    if (typeof name !== 'string' || name === '') throw new DbError('INVALID_PARAM', 'collectionName is required');
    return name;
  };

  const queryOf = (p: Record<string, any>): Doc | undefined => {
    const q = decode(p.query, 'query');
    if (q !== undefined && !isPlainObject(q)) throw new DbError('INVALID_PARAM', 'query must be an object');
    return q;
  };

  const docIdOf = (q: Doc | undefined): unknown => {
    if (!q || !('_id' in q)) throw new DbError('INVALID_PARAM', 'a DOC query needs _id');
    return q._id;
  };

  const txnOf = (p: Record<string, any>): string | undefined => (typeof p.transactionId === 'string' && p.transactionId !== '' ? p.transactionId : undefined);

  /** Inside a transaction only single documents by _id (doc()) and add() are allowed, as on the platform: no where(). */
  const noWhereInTxn = (p: Record<string, any>, what: string): void => {
    if (txnOf(p) && p.queryType !== 'DOC') {
      throw new DbError(
        'DATABASE_REQUEST_FAILED',
        `[FailedOperation] ${what} with where() inside a transaction: 事务中不支持批量操作（where），只支持单记录操作（collection.doc, collection.add）`,
      );
    }
  };

  const project = (docs: Doc[], projection: Doc | undefined): Doc[] => {
    if (!projection || Object.keys(projection).length === 0) return docs;
    try {
      // biome-ignore lint/plugin/no-as-any: mingo types a projection as its own Projection type; this one is the SDK's, already checked by the route
      return new Query({}, { idKey: '_id' }).find(docs, projection as any).all() as Doc[];
    } catch (e) {
      throw new DbError('DATABASE_REQUEST_FAILED', `[FailedOperation] invalid projection: ${(e as Error).message}`);
    }
  };

  const num = (v: unknown, what: string): number | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new DbError('INVALID_PARAM', `${what} must be a non-negative integer`);
    return n;
  };

  const updateData = (p: Record<string, any>, merge: boolean): Doc => {
    const data = decode(p.data, 'data');
    if (!isPlainObject(data)) throw new DbError('INVALID_PARAM', 'data must be an object');
    if (!merge) return data;
    if (Object.keys(data).length === 0) throw new DbError('INVALID_PARAM', 'update data must not be empty');
    return toOperatorUpdate(data, now);
  };

  const handlers: Record<string, ActionHandler> = {
    'database.addCollection': async (req: AdminRequest) => {
      const name = collectionName(req.params);
      if (!store.createCollection(name)) {
        throw new DbError('DATABASE_COLLECTION_ALREADY_EXIST', `[ResourceExist] Table exist: ${name}`);
      }
      return ok({});
    },

    'database.insertDocument': async (req) => {
      const p = req.params;
      const name = collectionName(p);
      const raw = Array.isArray(p.data) ? p.data : p.data === undefined ? [] : [p.data];
      if (raw.length === 0) throw new DbError('INVALID_PARAM', 'data must be a non-empty list of documents');
      const docs = raw.map((d: unknown) => {
        const doc = decode(d, 'data');
        if (!isPlainObject(doc)) throw new DbError('INVALID_PARAM', 'each document must be an object');
        return doc;
      });
      const txn = txnOf(p);
      if (txn) {
        const ids = docs.map((d: Doc) => txns.insert(txn, name, d));
        return ok({ insertedIds: ids, inserted: ids.length, ok: 1 });
      }
      const ids = store.insert(name, docs);
      return ok({ insertedIds: ids });
    },

    'database.getDocument': async (req) => {
      const p = req.params;
      const name = collectionName(p);
      const query = queryOf(p);
      const projection = decode(p.projection, 'projection');
      noWhereInTxn(p, 'get');
      const txn = txnOf(p);
      if (txn && p.queryType === 'DOC') {
        const doc = txns.get(txn, name, docIdOf(query));
        const list = project(doc ? [doc] : [], projection);
        return ok({ list: list.map(encodeEJSON), limit: 1, offset: 0 });
      }
      const order = decode(p.order, 'order');
      if (order !== undefined && !isPlainObject(order)) throw new DbError('INVALID_PARAM', 'order must be an object');
      const offset = num(p.offset, 'offset') ?? 0;
      let limit = num(p.limit, 'limit') ?? DEFAULT_LIMIT;
      if (limit === 0) limit = DEFAULT_LIMIT;
      limit = Math.min(limit, MAX_LIMIT);
      if (p.queryType === 'DOC') limit = Math.min(limit, 1);
      const docs = store.find(name, query, { sort: order, skip: offset, limit, projection });
      return ok({ list: docs.map(encodeEJSON), limit, offset });
    },

    'database.calculateDocument': async (req) => {
      const p = req.params;
      const name = collectionName(p);
      noWhereInTxn(p, 'count');
      return ok({ total: store.count(name, queryOf(p)) });
    },

    'database.modifyDocument': async (req) => {
      const p = req.params;
      const name = collectionName(p);
      const query = queryOf(p);
      const merge = p.merge !== false;
      const upsert = p.upsert === true;
      noWhereInTxn(p, 'update');
      const data = updateData(p, merge);
      if (!merge && isOperatorUpdate(data)) {
        throw new DbError('DATABASE_REQUEST_FAILED', '[FailedOperation] update operator complicit: a replacement document cannot contain $ operators');
      }
      const txn = txnOf(p);
      if (txn && p.queryType === 'DOC') {
        const r = txns.update(txn, name, docIdOf(query), data, { replace: !merge, upsert });
        return ok({ updated: r.updated, upsert_id: r.upsertedId });
      }
      const multi = p.queryType === 'DOC' ? false : p.multi !== false;
      const r = store.update(name, query, data, { multi, upsert, replace: !merge });
      return ok({ updated: r.modified, matched: r.matched, upsert_id: r.upsertedId });
    },

    'database.modifyAndReturnDoc': async (req) => {
      const p = req.params;
      const name = collectionName(p);
      const query = queryOf(p);
      const data = updateData(p, true);
      // updateAndReturn is a where() query: refused inside a transaction
      noWhereInTxn({ ...p, queryType: 'WHERE' }, 'updateAndReturn');
      const r = store.update(name, query, data, { multi: false });
      let doc: Doc | undefined = r.docs[0];
      if (!doc && r.matched > 0) doc = store.find(name, query, { limit: 1 })[0];
      return ok({ updated: r.modified, doc: doc ? encodeEJSON(doc) : null });
    },

    'database.removeDocument': async (req) => {
      const p = req.params;
      const name = collectionName(p);
      const query = queryOf(p);
      noWhereInTxn(p, 'remove');
      const txn = txnOf(p);
      if (txn && p.queryType === 'DOC') {
        return ok({ deleted: txns.remove(txn, name, docIdOf(query)) });
      }
      const multi = p.queryType === 'DOC' ? false : p.multi !== false;
      return ok({ deleted: store.remove(name, query, { multi }) });
    },

    'database.aggregateDocuments': async (req) => {
      const p = req.params;
      const name = collectionName(p);
      if (!Array.isArray(p.stages)) throw new DbError('INVALID_PARAM', 'stages must be a list of { stageKey, stageValue }');
      const pipeline = p.stages.map((s: any) => {
        if (!s || typeof s.stageKey !== 'string') throw new DbError('INVALID_PARAM', 'each stage needs a stageKey');
        const key = s.stageKey.startsWith('$') ? s.stageKey : `$${s.stageKey}`;
        return { [key]: decode(s.stageValue, `stage ${key}`) };
      });
      // like the platform, a server-side aggregate without its own $limit returns 20 documents
      const hasLimit = pipeline.some((st: Record<string, unknown>) => '$limit' in st);
      const list = store.aggregate(name, hasLimit ? pipeline : [...pipeline, { $limit: AGGREGATE_DEFAULT_LIMIT }]);
      return ok({ list: list.map(encodeEJSON) });
    },

    'database.startTransaction': async () => {
      const id = txns.start();
      return { kind: 'json', body: { transactionId: id, requestId: ctx.requestId() } };
    },

    'database.commitTransaction': async (req) => {
      const id = req.params.transactionId;
      if (typeof id !== 'string') throw new DbError('INVALID_PARAM', 'transactionId is required');
      txns.commit(id);
      return ok({});
    },

    'database.abortTransaction': async (req) => {
      const id = req.params.transactionId;
      if (typeof id !== 'string') throw new DbError('INVALID_PARAM', 'transactionId is required');
      txns.abort(id);
      return ok({});
    },
  };
  // The store's work for a request is synchronous: tell it which worker asked, so
  // a query no declared index serves is reported with the function that sent it.
  for (const [name, handler] of Object.entries(handlers)) {
    handlers[name] = (req: AdminRequest) => {
      store.caller = req.workerId;
      try {
        return handler(req);
      } finally {
        store.caller = undefined;
      }
    };
  }
  return handlers;
}
