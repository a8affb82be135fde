import {
  addToCounter,
  DEFAULT_PAGE_SIZE,
  encodeCounter,
  err,
  ok,
  other,
  type KeyPage,
  type KeyValueBackend,
  type KeyValueBucket,
  type KvResult,
} from './types.js';

/** The data of a memory backend; share one between backends to model several clients. */
export type MemoryStore = Map<string, Map<string, Uint8Array>>;

export interface MemoryBackendOptions {
  store?: MemoryStore;
  /** Create buckets on first open (the embedded default). When false, unknown buckets are `no-such-store`. */
  autoCreate?: boolean;
  pageSize?: number;
}

/**
 * The embedded default backend: a Map per bucket in this process. Values are copied in and out
 * so a caller mutating its buffer cannot change what is stored. Operations are synchronous under
 * the hood, which makes increment atomic without locks.
 */
export function createMemoryBackend(options: MemoryBackendOptions = {}): KeyValueBackend {
  const store: MemoryStore = options.store ?? new Map();
  const autoCreate = options.autoCreate ?? true;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let closed = false;

  return {
    kind: 'memory',
    async open(name: string): Promise<KvResult<KeyValueBucket>> {
      if (closed) return other('keyvalue backend is closed');
      let data = store.get(name);
      if (!data) {
        if (!autoCreate) return err({ tag: 'no-such-store' });
        data = new Map();
        store.set(name, data);
      }
      return ok(memoryBucket(name, data, pageSize));
    },
    async close() {
      closed = true;
    },
  };
}

function memoryBucket(name: string, data: Map<string, Uint8Array>, pageSize: number): KeyValueBucket {
  const copy = (v: Uint8Array) => new Uint8Array(v);
  return {
    name,
    async get(key) {
      const v = data.get(key);
      return ok(v === undefined ? null : copy(v));
    },
    async set(key, value) {
      data.set(key, copy(value));
      return ok(undefined);
    },
    async delete(key) {
      data.delete(key);
      return ok(undefined);
    },
    async exists(key) {
      return ok(data.has(key));
    },
    async listKeys(cursor): Promise<KvResult<KeyPage>> {
      return ok(pageOf([...data.keys()], cursor, pageSize));
    },
    async increment(key, delta) {
      const next = addToCounter(key, data.get(key) ?? null, delta);
      if (next.tag === 'ok') data.set(key, encodeCounter(next.val));
      return next;
    },
    async getMany(keys) {
      return ok(
        keys.map((k): [string, Uint8Array] | null => {
          const v = data.get(k);
          return v === undefined ? null : [k, copy(v)];
        }),
      );
    },
    async setMany(entries) {
      for (const [k, v] of entries) data.set(k, copy(v));
      return ok(undefined);
    },
    async deleteMany(keys) {
      for (const k of keys) data.delete(k);
      return ok(undefined);
    },
  };
}

/**
 * One page of keys by offset: the cursor is the index of the page's first key in the sorted key
 * list. The WIT leaves consistency across pages to the backend: keys added or removed between two
 * pages shift the offsets, so a key may then be skipped or repeated.
 */
export function pageOf(keys: string[], cursor: bigint | null, pageSize: number): KeyPage {
  keys.sort();
  const start = cursor === null ? 0 : Number(cursor);
  const end = start + pageSize;
  return { keys: keys.slice(start, end), cursor: end < keys.length ? BigInt(end) : null };
}
