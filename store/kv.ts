import type { z } from 'zod';
import { decodeJson, describeIssues, encodeJson } from '../protocol/mod.js';
import type { KvBucket } from './kv-bucket.js';

export interface BucketOptions {
  /** JetStream replicas of the bucket's stream: 1 on a single server, 3 on a cluster. */
  replicas?: number;
  /**
   * JetStream domain holding the lattice buckets. Hosts on a leaf node set it to the hub's domain
   * (`hub`) so that every host of the lattice reads and writes the same links and config instead of
   * the leaf's own JetStream (see docs/edge.md). Absent: the domain of the server connected to.
   */
  domain?: string;
  /** Values lapse this long after they were written (the stream's max_age): the wadm leader lease. */
  ttlMs?: number;
}

/** Environment variable a host reads the lattice buckets' JetStream domain from (docs/edge.md). */
export const JS_DOMAIN_ENV = 'LATTICE_JS_DOMAIN';

/** The lattice buckets' domain: the explicit one, else LATTICE_JS_DOMAIN, else none. */
export function latticeJsDomain(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return explicit ?? (env[JS_DOMAIN_ENV] || undefined);
}

/** A stored value failed to decode: someone wrote the bucket by hand or with another version. */
export class StoredValueError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`value of "${key}" in ${bucket} is invalid: ${detail}`, options);
    this.name = 'StoredValueError';
  }
}

/** Decodes a stored JSON value with `schema`; throws StoredValueError naming the key. */
export function decodeStored<T>(bucket: string, key: string, bytes: Uint8Array, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = decodeJson(bytes);
  } catch (cause) {
    throw new StoredValueError(bucket, key, 'not JSON', { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new StoredValueError(bucket, key, describeIssues(parsed.error));
  return parsed.data;
}

export function encodeStored(value: unknown): Uint8Array {
  return encodeJson(value);
}

/** The current value of `key`, or null when it is absent, deleted or empty. */
export async function getStored<T>(bucket: KvBucket, key: string, schema: z.ZodType<T>): Promise<T | null> {
  const value = await bucket.get(key);
  if (value === null || value.length === 0) return null;
  return decodeStored(bucket.name, key, value, schema);
}

/** The keys among `keys` that hold no live value, in the order given, each once. */
export async function missingKeys(bucket: KvBucket, keys: readonly string[]): Promise<string[]> {
  const unique = [...new Set(keys)];
  const found = await Promise.all(unique.map(async (k) => ((await bucket.get(k)) !== null ? null : k)));
  return found.filter((k): k is string => k !== null);
}

/** Deletes `key`; false when it held no live value. */
export async function deleteKey(bucket: KvBucket, key: string): Promise<boolean> {
  const existed = (await bucket.get(key)) !== null;
  if (existed) await bucket.delete(key);
  return existed;
}

/** Every live key of the bucket, sorted. */
export async function listKeys(bucket: KvBucket): Promise<string[]> {
  return (await bucket.keys()).sort();
}
