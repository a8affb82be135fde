import type { JetStreamManager, KV, NatsConnection } from 'nats';
import { pageOf } from './memory.js';
import { addToCounter, DEFAULT_PAGE_SIZE, encodeCounter, err, guard, ok, other, type KeyValueBackend, type KeyValueBucket, type KvResult } from './types.js';

export interface NatsBackendOptions {
  nc: NatsConnection;
  /** Create a bucket on first open (default true). When false, a missing bucket is `no-such-store`. */
  create?: boolean;
  /** History kept per key when this backend creates a bucket; 1 is what a counter or cache needs. */
  history?: number;
  replicas?: number;
  /** JetStream domain (a leaf node reaching the hub's buckets, or the reverse). */
  domain?: string;
  pageSize?: number;
  /** Attempts of one increment before giving up under contention. */
  maxCasAttempts?: number;
}

/** JetStream's error code for "wrong last sequence": another writer won the compare-and-set. */
const WRONG_LAST_SEQUENCE = 10071;

/**
 * Enough attempts that two or three busy writers on one key always get through; past that the
 * key is contended beyond what a counter on a KV store should be, and the caller hears about it.
 */
const DEFAULT_MAX_CAS_ATTEMPTS = 200;

const BUCKET_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Backend on NATS JetStream KV: one KV bucket per store bucket. Increment is a compare-and-set
 * loop on the key's revision, so concurrent writers on any host never lose an update.
 */
export function createNatsBackend(options: NatsBackendOptions): KeyValueBackend {
  const { nc } = options;
  const js = nc.jetstream(options.domain ? { domain: options.domain } : {});
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const maxAttempts = options.maxCasAttempts ?? DEFAULT_MAX_CAS_ATTEMPTS;
  let jsm: Promise<JetStreamManager> | null = null;
  const manager = () => (jsm ??= nc.jetstreamManager(options.domain ? { domain: options.domain } : {}));
  const serial = keyQueue();

  return {
    kind: 'nats',
    open(name) {
      return guard(`open bucket ${name}`, async (): Promise<KvResult<KeyValueBucket>> => {
        if (!BUCKET_NAME.test(name)) {
          return other(`bucket name ${JSON.stringify(name)} is invalid: NATS KV allows letters, digits, "-" and "_"`);
        }
        let kv: KV;
        if (options.create === false) {
          try {
            await (await manager()).streams.info(`KV_${name}`);
          } catch (error) {
            if (isApiError(error, 10059)) return err({ tag: 'no-such-store' });
            throw error;
          }
          kv = await js.views.kv(name, { bindOnly: true });
        } else {
          kv = await js.views.kv(name, { history: options.history ?? 1, replicas: options.replicas ?? 1 });
        }
        return ok(natsBucket(name, kv, pageSize, maxAttempts, serial));
      }).then(mapPermission);
    },
    async close() {
      // The connection belongs to the caller; nothing of ours to release.
    },
  };
}

/**
 * Runs increments of one key one after another within this process. Compare-and-set alone keeps
 * every update, but fifty concurrent increments of one hot key from one provider would race each
 * other to exhaustion; queued locally, only writers on other hosts still race.
 */
function keyQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

function natsBucket(name: string, kv: KV, pageSize: number, maxAttempts: number, serial: <T>(key: string, fn: () => Promise<T>) => Promise<T>): KeyValueBucket {
  const read = async (key: string): Promise<Uint8Array | null> => {
    const entry = await kv.get(encodeKey(key));
    // The client hands out Buffers; WIT list<u8> is a plain Uint8Array (a view, no copy).
    return entry && entry.operation === 'PUT' ? new Uint8Array(entry.value.buffer, entry.value.byteOffset, entry.value.byteLength) : null;
  };
  const op = <T>(what: string, fn: () => Promise<KvResult<T>>) => guard(what, fn).then(mapPermission);

  return {
    name,
    get: (key) => op(`get ${key}`, async () => ok(await read(key))),
    set: (key, value) =>
      op(`set ${key}`, async () => {
        await kv.put(encodeKey(key), value);
        return ok(undefined);
      }),
    delete: (key) =>
      op(`delete ${key}`, async () => {
        await kv.delete(encodeKey(key));
        return ok(undefined);
      }),
    exists: (key) => op(`exists ${key}`, async () => ok((await read(key)) !== null)),
    listKeys: (cursor) =>
      op('list-keys', async () => {
        const keys: string[] = [];
        for await (const k of await kv.keys()) keys.push(decodeKey(k));
        return ok(pageOf(keys, cursor, pageSize));
      }),
    increment: (key, delta) =>
      serial(`${name}/${key}`, () =>
        op(`increment ${key}`, async () => {
          const encoded = encodeKey(key);
          for (let attempt = 0; attempt < maxAttempts; attempt++) {
            const entry = await kv.get(encoded);
            const live = entry && entry.operation === 'PUT' ? entry : null;
            const next = addToCounter(key, live ? live.value : null, delta);
            if (next.tag === 'err') return next;
            try {
              // previousSeq 0 means "only if the key has never been written"; a deleted key has a
              // delete marker whose revision is the one to compare against.
              await kv.put(encoded, encodeCounter(next.val), { previousSeq: entry ? entry.revision : 0 });
              return next;
            } catch (error) {
              if (!isApiError(error, WRONG_LAST_SEQUENCE)) throw error;
            }
          }
          return other(`increment of ${JSON.stringify(key)} lost ${maxAttempts} compare-and-set races in a row`);
        }),
      ),
    getMany: (keys) =>
      op('get-many', async () =>
        ok(
          await Promise.all(
            keys.map(async (k): Promise<[string, Uint8Array] | null> => {
              const v = await read(k);
              return v === null ? null : [k, v];
            }),
          ),
        ),
      ),
    setMany: (entries) =>
      op('set-many', async () => {
        await Promise.all(entries.map(([k, v]) => kv.put(encodeKey(k), v)));
        return ok(undefined);
      }),
    deleteMany: (keys) =>
      op('delete-many', async () => {
        await Promise.all(keys.map((k) => kv.delete(encodeKey(k))));
        return ok(undefined);
      }),
  };
}

function isApiError(error: unknown, code: number): boolean {
  return (error as { api_error?: { err_code?: number } } | null)?.api_error?.err_code === code;
}

/** A NATS permissions violation is the interface's `access-denied`, not an opaque `other`. */
function mapPermission<T>(result: KvResult<T>): KvResult<T> {
  if (result.tag === 'err' && result.val.tag === 'other' && /permissions violation/i.test(result.val.val)) {
    return err({ tag: 'access-denied' });
  }
  return result;
}

/**
 * WIT keys are any string; NATS KV keys allow only `[-/=.\w]`, with no leading, trailing or
 * doubled '.'. Keys that already fit are stored as they are (so `nats kv get` shows them); other
 * characters, and '=' itself, become `=XX` per UTF-8 byte. The empty key is stored as a lone '=',
 * which the escaping never produces.
 */
export function encodeKey(key: string): string {
  if (key === '') return '=';
  let out = '';
  const bytes = new TextEncoder().encode(key);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const c = String.fromCharCode(b);
    const plain = /[-/\w]/.test(c) && b < 0x80;
    const dot = c === '.' && i > 0 && i < bytes.length - 1 && bytes[i - 1] !== 0x2e;
    out += plain || dot ? c : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeKey(stored: string): string {
  if (stored === '=') return '';
  const bytes: number[] = [];
  for (let i = 0; i < stored.length; i++) {
    if (stored[i] === '=') {
      bytes.push(parseInt(stored.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(stored.charCodeAt(i));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
