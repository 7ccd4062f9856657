/**
 * The few database primitives the use cases are written with, over the real
 * wx-server-sdk. Every write that depends on a read goes through `cas`.
 */
import { sdk } from '../runtime/shell';
import type { CollectionName } from './collections';

type AnyDoc = Record<string, any>;

let db: any;

/**
 * The SDK's database handle, made once per warm instance and shared by its invocations, as WeChat's own example
 * does (`const db = cloud.database()` beside `cloud.init`, developers.weixin.qq.com …/functions/wx-server-sdk.html):
 * each `cloud.database()` builds a new Database class and client. Nothing of an invocation is kept in it (the
 * caller's identity is read from the environment by every request).
 */
export function database(): any {
  db ??= sdk().database();
  return db;
}

export function command(): any {
  return database().command;
}

/** One document by _id, or null (no exception for a missing document). */
export async function findById<T = AnyDoc>(collection: CollectionName, id: string): Promise<T | null> {
  const res = await database().collection(collection).where({ _id: id }).limit(1).get();
  return (res.data?.[0] as T) ?? null;
}

export async function findMany<T = AnyDoc>(
  collection: CollectionName,
  query: AnyDoc,
  opts: { orderBy?: [string, 'asc' | 'desc'][]; limit?: number; skip?: number; fields?: Record<string, boolean> } = {},
): Promise<T[]> {
  let q = database().collection(collection).where(query);
  for (const [field, dir] of opts.orderBy ?? []) q = q.orderBy(field, dir);
  if (opts.skip) q = q.skip(opts.skip);
  q = q.limit(Math.min(opts.limit ?? 100, 1000));
  if (opts.fields) q = q.field(opts.fields);
  const res = await q.get();
  return (res.data ?? []) as T[];
}

/** A `$lookup`: the documents of `from` whose `foreignField` equals this document's `localField` (or that a pipeline of its own finds), as the array `as`. */
export type Lookup = { from: CollectionName; as: string } & ({ localField: string; foreignField: string } | { pipeline: AnyDoc[] });

/**
 * One document by _id with related documents of other collections joined in
 * (`aggregate().match().lookup()…`): what would be several reads, in one
 * request; null when there is no such document. `joined[as]` holds each
 * lookup's documents as the database holds them at that moment (taken out of `doc`).
 */
export async function findJoined<T = AnyDoc>(collection: CollectionName, id: string, lookups: readonly Lookup[]): Promise<{ doc: T; joined: Record<string, AnyDoc[]> } | null> {
  let q = database().collection(collection).aggregate().match({ _id: id });
  for (const l of lookups) q = q.lookup(l);
  const res = await q.limit(1).end();
  const raw = (res?.list ?? res?.data)?.[0] as AnyDoc | undefined;
  if (!raw) return null;
  const doc = { ...raw };
  const joined: Record<string, AnyDoc[]> = {};
  for (const l of lookups) {
    joined[l.as] = Array.isArray(doc[l.as]) ? doc[l.as] : [];
    delete doc[l.as];
  }
  return { doc: doc as T, joined };
}

/**
 * Compare-and-set: update the documents matching `match` (which must pin _id and
 * the fields the decision was based on, e.g. status + version). True when exactly
 * one document was updated; false when the race was lost (nothing written).
 */
export async function cas(collection: CollectionName, match: AnyDoc, data: AnyDoc): Promise<boolean> {
  const res = await database().collection(collection).where(match).update({ data });
  return res?.stats?.updated === 1;
}

/** Unconditional multi-document update by query; returns how many changed. */
export async function updateWhere(collection: CollectionName, match: AnyDoc, data: AnyDoc): Promise<number> {
  const res = await database().collection(collection).where(match).update({ data });
  return res?.stats?.updated ?? 0;
}

/** Create-if-absent on _id: true when created, false when a document with that _id exists. */
export async function createIfAbsent(collection: CollectionName, doc: AnyDoc & { _id: string }): Promise<boolean> {
  try {
    await database().collection(collection).add({ data: doc });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** Write a whole document by _id: created, or replaced if it exists (`doc(id).set`). */
export async function putById(collection: CollectionName, doc: AnyDoc & { _id: string }): Promise<void> {
  const { _id, ...data } = doc;
  await database().collection(collection).doc(_id).set({ data });
}

export async function removeById(collection: CollectionName, id: string): Promise<void> {
  await database().collection(collection).where({ _id: id }).remove();
}

export function isDuplicateKey(err: unknown): boolean {
  const e = err as { errCode?: number | string; code?: string; errMsg?: string; message?: string };
  const text = `${e?.code ?? ''} ${e?.errCode ?? ''} ${e?.errMsg ?? ''} ${e?.message ?? ''}`;
  return /DUPLICATE|duplicate|E11000|already exists|-502001/.test(text);
}
