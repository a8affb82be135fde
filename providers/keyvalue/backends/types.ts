/**
 * The one interface every keyvalue backend implements. It mirrors `wasi:keyvalue@0.2.0-draft`
 * (`store`, `atomics`, `batch`) closely enough that the WIT glue is a thin mapping: every operation
 * answers a WIT `result` value, errors are the interface's own `error` variant, an absent value is
 * `null` (the glue turns it into `option::none`).
 */

/** `wasi:keyvalue/store.error`, in jco's variant shape. */
export type KvError = { tag: 'no-such-store' } | { tag: 'access-denied' } | { tag: 'other'; val: string };

/** A WIT `result<T, error>` in jco's shape. */
export type KvResult<T> = { tag: 'ok'; val: T } | { tag: 'err'; val: KvError };

/** `store.key-response`: one page of keys; `cursor` is null on the last page. */
export interface KeyPage {
  keys: string[];
  cursor: bigint | null;
}

/** One bucket of one backend (`store.bucket`). */
export interface KeyValueBucket {
  readonly name: string;
  get(key: string): Promise<KvResult<Uint8Array | null>>;
  set(key: string, value: Uint8Array): Promise<KvResult<undefined>>;
  delete(key: string): Promise<KvResult<undefined>>;
  exists(key: string): Promise<KvResult<boolean>>;
  /** Keys in pages; pass back the cursor of the previous page, null for the first. */
  listKeys(cursor: bigint | null): Promise<KvResult<KeyPage>>;
  /**
   * `atomics.increment`: adds `delta` to the decimal integer stored at `key` (absent counts as 0)
   * atomically, stores the sum as decimal text and returns it. A value that is not a decimal u64,
   * or a sum past u64, is `error::other`.
   */
  increment(key: string, delta: bigint): Promise<KvResult<bigint>>;
  /** `batch.get-many`: one entry per key, null where the key is absent. */
  getMany(keys: string[]): Promise<KvResult<Array<[string, Uint8Array] | null>>>;
  setMany(entries: Array<[string, Uint8Array]>): Promise<KvResult<undefined>>;
  deleteMany(keys: string[]): Promise<KvResult<undefined>>;
}

export interface KeyValueBackend {
  readonly kind: string;
  /** `store.open`: `no-such-store` when the bucket does not exist and the backend may not create it. */
  open(bucket: string): Promise<KvResult<KeyValueBucket>>;
  /** Releases connections; buckets opened from it stop working. */
  close(): Promise<void>;
}

export const U64_MAX = 2n ** 64n - 1n;

export function ok<T>(val: T): KvResult<T> {
  return { tag: 'ok', val };
}

export function err<T = never>(val: KvError): KvResult<T> {
  return { tag: 'err', val };
}

export function other<T = never>(message: string): KvResult<T> {
  return err({ tag: 'other', val: message });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Counters are stored as decimal text, the form Redis INCRBY uses, so every backend agrees. */
export function encodeCounter(value: bigint): Uint8Array {
  return encoder.encode(value.toString());
}

/** Parses a stored counter; null when the bytes are not a decimal u64. */
export function decodeCounter(bytes: Uint8Array): bigint | null {
  let text: string;
  try {
    text = decoder.decode(bytes).trim();
  } catch {
    return null;
  }
  if (!/^\d{1,20}$/.test(text)) return null;
  const value = BigInt(text);
  return value <= U64_MAX ? value : null;
}

/** The next counter value, or the error value explaining why there is none. */
export function addToCounter(key: string, current: Uint8Array | null, delta: bigint): KvResult<bigint> {
  if (delta < 0n || delta > U64_MAX) return other(`increment delta ${delta} is not a u64`);
  const base = current === null ? 0n : decodeCounter(current);
  if (base === null) return other(`value of key ${JSON.stringify(key)} is not an unsigned decimal integer`);
  const sum = base + delta;
  if (sum > U64_MAX) return other(`incrementing key ${JSON.stringify(key)} would overflow u64`);
  return ok(sum);
}

/** Turns an unexpected backend exception into `error::other`, so nothing throws past a backend. */
export async function guard<T>(what: string, fn: () => Promise<KvResult<T>>): Promise<KvResult<T>> {
  try {
    return await fn();
  } catch (error) {
    return other(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Default page size of list-keys: big enough for typical buckets, bounded for huge ones. */
export const DEFAULT_PAGE_SIZE = 1_000;
