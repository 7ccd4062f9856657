/**
 * Transactions, as the SDK uses them: doc-level get / set / update / remove and
 * add carry a `transactionId`. The first touch of a document takes a snapshot
 * (its content and write version); later reads see the snapshot plus the
 * transaction's own writes; writes are buffered. Commit checks that no
 * touched document was written by anyone else since its snapshot — otherwise
 * DATABASE_TRANSACTION_CONFLICT (which the SDK's runTransaction retries) —
 * and then applies every buffered write at once.
 */
import { randomBytes } from 'node:crypto';
import { clone, type Doc } from './ejson';
import { collectionNotExist, DbError } from './errors';
import { dupId, idKey, newId, type DocStore } from './store';
import { applyOperatorUpdate, applyReplacement, checkFieldNames, checkStorable } from './update';

interface Touched {
  collection: string;
  id: unknown;
  baseVersion: number;
  /** the document as this transaction sees it (null = absent) */
  view: Doc | null;
  written: boolean;
}

interface Txn {
  id: string;
  touched: Map<string, Touched>;
  lastUsed: number;
}

export class TransactionManager {
  private txns = new Map<string, Txn>();

  constructor(
    private store: DocStore,
    /** idle transactions are dropped after this long (real ms) */
    private idleMs = 60_000,
  ) {}

  start(): string {
    this.gc();
    const id = randomBytes(12).toString('hex');
    this.txns.set(id, { id, touched: new Map(), lastUsed: Date.now() });
    return id;
  }

  get(txnId: string, collection: string, id: unknown): Doc | null {
    const t = this.touch(txnId, collection, id);
    return t.view ? clone(t.view) : null;
  }

  update(txnId: string, collection: string, id: unknown, data: Doc, opts: { replace: boolean; upsert: boolean }): { updated: number; upsertedId?: unknown } {
    const t = this.touch(txnId, collection, id);
    if (!t.view) {
      if (!opts.upsert) return { updated: 0 };
      let doc: Doc;
      if (opts.replace) {
        const { _id: _ignored, ...rest } = data;
        doc = { _id: id, ...clone(rest) };
        checkFieldNames(doc);
      } else {
        doc = applyOperatorUpdate({ _id: id }, data, { inserting: true }).doc;
      }
      t.view = doc;
      t.written = true;
      return { updated: 0, upsertedId: id };
    }
    const r = opts.replace ? applyReplacement(t.view, data) : applyOperatorUpdate(t.view, data);
    if (!r.modified) return { updated: 0 };
    checkStorable(r.doc);
    t.view = r.doc;
    t.written = true;
    return { updated: 1 };
  }

  remove(txnId: string, collection: string, id: unknown): number {
    const t = this.touch(txnId, collection, id);
    if (!t.view) return 0;
    t.view = null;
    t.written = true;
    return 1;
  }

  insert(txnId: string, collection: string, input: Doc): unknown {
    checkFieldNames(input);
    checkStorable(input);
    const { _id: given, ...rest } = input;
    const id = given ?? newId();
    const t = this.touch(txnId, collection, id);
    if (t.view) throw dupId(this.store.envId, collection, id);
    t.view = { _id: id, ...clone(rest) };
    t.written = true;
    return id;
  }

  commit(txnId: string): void {
    const txn = this.must(txnId);
    this.txns.delete(txnId);
    for (const t of txn.touched.values()) {
      if (!this.store.hasCollection(t.collection)) throw collectionNotExist(t.collection);
      if (this.store.version(t.collection, t.id) !== t.baseVersion) {
        throw new DbError(
          'DATABASE_TRANSACTION_CONFLICT',
          `[TransactionConflict] Transaction conflict: document ${JSON.stringify(t.id)} in ${t.collection} was changed by another write after this transaction read it.`,
        );
      }
    }
    const writes = [...txn.touched.values()].filter((t) => t.written).map((t) => ({ collection: t.collection, id: t.id, doc: t.view }));
    this.store.applyWrites(writes);
  }

  abort(txnId: string): void {
    this.must(txnId);
    this.txns.delete(txnId);
  }

  has(txnId: string): boolean {
    return this.txns.has(txnId);
  }

  openCount(): number {
    return this.txns.size;
  }

  private must(txnId: string): Txn {
    const txn = this.txns.get(txnId);
    if (!txn) {
      throw new DbError('DATABASE_TRANSACTION_FAIL', `[TransactionNotFound] transaction ${txnId} does not exist or has already ended`);
    }
    txn.lastUsed = Date.now();
    return txn;
  }

  private touch(txnId: string, collection: string, id: unknown): Touched {
    const txn = this.must(txnId);
    if (!this.store.hasCollection(collection)) throw collectionNotExist(collection);
    if (id === undefined || id === null) throw new DbError('INVALID_PARAM', 'a document _id is required inside a transaction');
    const key = `${collection}\u0000${idKey(id)}`;
    let t = txn.touched.get(key);
    if (!t) {
      const current = this.store.getById(collection, id);
      t = {
        collection,
        id,
        baseVersion: this.store.version(collection, id),
        view: current ? clone(current) : null,
        written: false,
      };
      txn.touched.set(key, t);
    }
    return t;
  }

  private gc(): void {
    const now = Date.now();
    for (const [id, t] of this.txns) if (now - t.lastUsed > this.idleMs) this.txns.delete(id);
  }
}
