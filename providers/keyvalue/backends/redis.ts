import { Redis } from 'ioredis';
import { createLogger, type Logger } from '../../../lib/logger.js';
import {
  addToCounter,
  DEFAULT_PAGE_SIZE,
  err,
  guard,
  ok,
  other,
  U64_MAX,
  decodeCounter,
  type KeyValueBackend,
  type KeyValueBucket,
  type KvResult,
} from './types.js';

export interface RedisBackendOptions {
  /** `redis://[user:pass@]host:port[/db]`; ignored when `client` is given. */
  url?: string;
  /** Overrides a password in the URL (from a secret). */
  password?: string;
  /** An existing client (the caller keeps ownership; close() leaves it open). */
  client?: Redis;
  /** Prepended to every key, to share a database between tenants or tests. */
  keyPrefix?: string;
  pageSize?: number;
  /** Per-command limit, so a dead Redis fails calls instead of queueing them forever. */
  commandTimeoutMs?: number;
  log?: Logger;
}

const I64_MAX = 2n ** 63n - 1n;

/**
 * Backend on Redis. Redis has no buckets: a bucket is a key prefix `<bucket>:` (the empty bucket
 * name, which wasmCloud components commonly open, is the whole database, as in wasmCloud's Redis
 * provider). Increment is INCRBY, atomic in Redis itself; list-keys is SCAN, whose cursor is
 * natively a u64 like the WIT's.
 */
export function createRedisBackend(options: RedisBackendOptions): KeyValueBackend {
  const owned = options.client === undefined;
  const client =
    options.client ??
    new Redis(options.url ?? 'redis://127.0.0.1:6379', {
      lazyConnect: false,
      maxRetriesPerRequest: 2,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      connectTimeout: 3_000,
      ...(options.password === undefined ? {} : { password: options.password }),
    });
  if (owned) {
    // Without a listener ioredis prints every reconnect failure to the console; calls still get
    // their own errors, so this is only for the operator.
    const log = options.log ?? createLogger({ component: 'keyvalue-redis' });
    client.on('error', (error: Error) => log.warn({ err: error.message }, 'redis connection error'));
  }
  const prefix = options.keyPrefix ?? '';
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;

  return {
    kind: 'redis',
    async open(name) {
      return ok(redisBucket(name, client, prefix + (name === '' ? '' : `${name}:`), pageSize));
    },
    async close() {
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}

function redisBucket(name: string, client: Redis, prefix: string, pageSize: number): KeyValueBucket {
  const k = (key: string) => prefix + key;
  const bytes = (b: Buffer) => new Uint8Array(b);
  const op = <T>(what: string, fn: () => Promise<KvResult<T>>) => guard(what, fn).then(mapNoPerm);
  const pattern = `${escapeGlob(prefix)}*`;

  return {
    name,
    get: (key) =>
      op(`get ${key}`, async () => {
        const v = await client.getBuffer(k(key));
        return ok(v === null ? null : bytes(v));
      }),
    set: (key, value) =>
      op(`set ${key}`, async () => {
        await client.set(k(key), Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        return ok(undefined);
      }),
    delete: (key) =>
      op(`delete ${key}`, async () => {
        await client.del(k(key));
        return ok(undefined);
      }),
    exists: (key) => op(`exists ${key}`, async () => ok((await client.exists(k(key))) > 0)),
    listKeys: (cursor) =>
      op('list-keys', async () => {
        const [next, keys] = await client.scan((cursor ?? 0n).toString(), 'MATCH', pattern, 'COUNT', pageSize);
        return ok({ keys: keys.map((key) => key.slice(prefix.length)), cursor: next === '0' ? null : BigInt(next) });
      }),
    increment: (key, delta) =>
      op(`increment ${key}`, async (): Promise<KvResult<bigint>> => {
        if (delta < 0n || delta > U64_MAX) return other(`increment delta ${delta} is not a u64`);
        if (delta > I64_MAX) return other(`increment delta ${delta} exceeds what Redis INCRBY takes (i64)`);
        // INCRBY answers a JS number, inexact past 2^53; reading the key in the same transaction
        // gives the exact decimal text.
        const replies = await client.multi().incrby(k(key), delta.toString()).getBuffer(k(key)).exec();
        if (!replies) return other(`increment of ${JSON.stringify(key)} was aborted`);
        const [incr, read] = replies;
        if (incr[0]) {
          const current = read[1] instanceof Buffer ? bytes(read[1]) : null;
          const explained = addToCounter(key, current, delta);
          return explained.tag === 'err' ? explained : other(incr[0].message);
        }
        const value = read[1] instanceof Buffer ? decodeCounter(bytes(read[1])) : null;
        return value === null ? other(`value of key ${JSON.stringify(key)} is not an unsigned decimal integer`) : ok(value);
      }),
    getMany: (keys) =>
      op('get-many', async () => {
        if (keys.length === 0) return ok([]);
        const values = await client.mgetBuffer(...keys.map(k));
        return ok(
          keys.map((key, i): [string, Uint8Array] | null => {
            const v = values[i];
            return v ? [key, bytes(v)] : null;
          }),
        );
      }),
    setMany: (entries) =>
      op('set-many', async () => {
        if (entries.length === 0) return ok(undefined);
        // MSET is atomic: either every entry is written or none.
        await client.mset(entries.flatMap(([key, v]) => [k(key), Buffer.from(v.buffer, v.byteOffset, v.byteLength)]));
        return ok(undefined);
      }),
    deleteMany: (keys) =>
      op('delete-many', async () => {
        if (keys.length) await client.del(...keys.map(k));
        return ok(undefined);
      }),
  };
}

/** SCAN MATCH is a glob: a prefix holding `*?[]\` must match itself only. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

function mapNoPerm<T>(result: KvResult<T>): KvResult<T> {
  if (result.tag === 'err' && result.val.tag === 'other' && /NOPERM|NOAUTH|WRONGPASS/.test(result.val.val)) {
    return err({ tag: 'access-denied' });
  }
  return result;
}
