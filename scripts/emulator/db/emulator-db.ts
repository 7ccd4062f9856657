/** Server-side access to the store for the other emulator parts (no SDK, no wire). */
import type { EmulatorDb } from '../types';
import { clone, isPlainObject, normalize, type Doc } from './ejson';
import type { DocStore } from './store';
import { toOperatorUpdate } from './update';

export function createEmulatorDb(store: DocStore, now: () => number): EmulatorDb {
  const prep = (v: unknown) => normalize(clone(v), now);
  return {
    async find(collection, query) {
      if (!store.hasCollection(collection)) return [];
      return store.find(collection, query ? prep(query) : undefined).map((d) => clone(d));
    },
    async insert(collection, docs) {
      if (!store.hasCollection(collection)) store.createCollection(collection);
      store.insert(
        collection,
        docs.map((d) => prep(d)),
      );
    },
    async update(collection, query, update) {
      if (!store.hasCollection(collection)) return 0;
      const u = prep(update) as Doc;
      if (!isPlainObject(u)) throw new Error('update must be an object');
      const r = store.update(collection, prep(query), toOperatorUpdate(u, now), { multi: true });
      return r.modified;
    },
    async collections() {
      return store.collectionNames();
    },
    async remove(collection, query) {
      if (!store.hasCollection(collection)) return 0;
      return store.remove(collection, prep(query), { multi: true });
    },
    async createCollection(collection) {
      store.createCollection(collection);
    },
    async ensureIndex(collection, fields, options = {}) {
      store.ensureIndex(collection, fields, !!options.unique);
    },
  };
}
