/**
 * The few operations the lattice's KV stores need from a bucket, so that the stores, their live
 * views and the host, wadm and provider code reading them run on JetStream in a lattice and on
 * memory in unit tests (wasmCloud puts its extension points behind interfaces for the same reason).
 * Implementations: `jetstream-kv.ts` (a JetStream KV bucket) and `memory-kv.ts`.
 */

/** One key's new state: `value` null when it was deleted or purged. */
export interface KvChange {
  key: string;
  value: Uint8Array | null;
}

/** A running watch: the live values at start, then every change, until `stop` or the watch ends. */
export interface KvWatch extends AsyncIterable<KvChange> {
  stop(): void;
}

/**
 * A live value with the revision that wrote it. Revisions grow across the whole bucket (in
 * JetStream they are the stream's sequence numbers), so a key's revision changes on every write,
 * delete and purge of that key: the compare-and-set operations below rely on it.
 */
export interface KvEntry {
  value: Uint8Array;
  revision: number;
}

/**
 * A compare-and-set lost: `create` found a live value, or `update`/`delete` found the key at
 * another revision than `expected` (someone else wrote it, or it lapsed). The caller re-reads
 * and decides; anything else thrown by a bucket is a failure to reach it, not a lost race.
 */
export class KvRevisionError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
    /** The revision the caller expected; 0 for a `create`, which expects no live value. */
    readonly expected: number,
    options?: { cause?: unknown },
  ) {
    super(expected === 0 ? `"${key}" in ${bucket} already holds a value` : `"${key}" in ${bucket} is no longer at revision ${expected}`, options);
    this.name = 'KvRevisionError';
  }
}

export interface KvBucket {
  readonly name: string;
  /** The live value of `key`, or null when it is absent or deleted. */
  get(key: string): Promise<Uint8Array | null>;
  /** The live value of `key` with its revision, or null when it is absent or deleted. */
  entry(key: string): Promise<KvEntry | null>;
  put(key: string, value: Uint8Array): Promise<void>;
  /** Writes `key` only if it holds no live value; its new revision. Throws KvRevisionError otherwise. */
  create(key: string, value: Uint8Array): Promise<number>;
  /**
   * Writes `key` only if its last write is `revision` (> 0); its new revision. Throws
   * KvRevisionError otherwise.
   */
  update(key: string, value: Uint8Array, revision: number): Promise<number>;
  /** Deletes `key`; with `revision`, only if its last write is that one (else KvRevisionError). */
  delete(key: string, revision?: number): Promise<void>;
  /** Deletes `key` and whatever history the bucket keeps of it. */
  purge(key: string): Promise<void>;
  /** Every live key, in no particular order. */
  keys(): Promise<string[]>;
  /**
   * Starts a watch. `initialized` is called exactly once, after the iteration has handed out every
   * value live at start and before it hands out any later change, so a reader can tell the two apart.
   */
  watch(initialized: () => void): Promise<KvWatch>;
  /** Calls `listener` whenever the bucket's connection comes back after a loss; returns the unsubscribe. */
  onReconnect(listener: () => void): () => void;
}

/** Refuses a compare-and-set revision no write can have (both buckets, so callers meet one rule). */
export function checkRevision(revision: number): void {
  if (!Number.isInteger(revision) || revision <= 0) throw new RangeError(`a KV revision is a positive integer, not ${revision}`);
}
