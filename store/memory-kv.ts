import type { KvBucket, KvChange, KvWatch } from './kv-bucket.js';

/**
 * A KV bucket in memory, for unit tests of code that reads the lattice stores where NATS is not
 * what is tested. Values are copied in and out, so a caller holding one cannot change what others read.
 */
export class MemoryKvBucket implements KvBucket {
  private readonly values = new Map<string, Uint8Array>();
  private readonly watches = new Set<MemoryWatch>();

  constructor(readonly name: string) {}

  async get(key: string): Promise<Uint8Array | null> {
    const value = this.values.get(key);
    return value ? value.slice() : null;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.values.set(key, value.slice());
    this.notify({ key, value });
  }

  async delete(key: string): Promise<void> {
    // Like a JetStream KV delete, a delete of an absent key is still a change watchers hear.
    this.values.delete(key);
    this.notify({ key, value: null });
  }

  async keys(): Promise<string[]> {
    return [...this.values.keys()];
  }

  async watch(initialized: () => void): Promise<KvWatch> {
    const initial: KvChange[] = [...this.values].map(([key, value]) => ({ key, value }));
    const watch = new MemoryWatch(initial, initialized, () => this.watches.delete(watch));
    this.watches.add(watch);
    return watch;
  }

  /** A memory bucket has no connection to lose. */
  onReconnect(_listener: () => void): () => void {
    return () => {};
  }

  private notify(change: KvChange): void {
    for (const watch of this.watches) watch.push(change);
  }
}

type Queued = KvChange | (() => void);

class MemoryWatch implements KvWatch {
  private readonly queue: Queued[];
  private wake: (() => void) | null = null;
  private stopped = false;

  constructor(
    initial: KvChange[],
    initialized: () => void,
    private readonly onStop: () => void,
  ) {
    this.queue = [...initial, initialized];
  }

  push(change: KvChange): void {
    if (this.stopped) return;
    this.queue.push(change);
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.onStop();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<KvChange> {
    while (!this.stopped) {
      const next = this.queue.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
      } else if (typeof next === 'function') {
        next();
      } else {
        yield { key: next.key, value: next.value ? next.value.slice() : null };
      }
    }
  }
}
