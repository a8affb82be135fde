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

export interface KvBucket {
  readonly name: string;
  /** The live value of `key`, or null when it is absent or deleted. */
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
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
