import { checkRevision, type KvBucket, type KvChange, type KvEntry, KvRevisionError, type KvWatch } from './kv-bucket.js';

export interface MemoryKvOptions {
  /** Values lapse this long after they were written, as in a JetStream bucket with a max_age. */
  ttlMs?: number;
  /** The clock the TTL is read from (epoch ms), so that tests let time pass without waiting. */
  now?: () => number;
}

/** A key's last write: a value, or a deletion marker (value null) that still has a revision. */
interface Slot {
  value: Uint8Array | null;
  revision: number;
  writtenAt: number;
}

/**
 * A KV bucket in memory, for unit tests of code that reads the lattice stores where NATS is not
 * what is tested. Values are copied in and out, so a caller holding one cannot change what others read.
 * Compare-and-set is enforced as JetStream does it (revisions count every write of the bucket),
 * since tests of several writers racing rely on it.
 */
export class MemoryKvBucket implements KvBucket {
  private readonly slots = new Map<string, Slot>();
  private readonly watches = new Set<MemoryWatch>();
  private sequence = 0;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    private readonly options: MemoryKvOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<Uint8Array | null> {
    return (await this.entry(key))?.value ?? null;
  }

  async entry(key: string): Promise<KvEntry | null> {
    const slot = this.slot(key);
    return slot?.value ? { value: slot.value.slice(), revision: slot.revision } : null;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.write(key, value);
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    if (this.slot(key)?.value) throw new KvRevisionError(this.name, key, 0);
    return this.write(key, value);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    checkRevision(revision);
    this.expect(key, revision);
    return this.write(key, value);
  }

  async delete(key: string, revision?: number): Promise<void> {
    if (revision !== undefined) {
      checkRevision(revision);
      this.expect(key, revision);
    }
    // Like a JetStream KV delete, a delete of an absent key is still a change watchers hear.
    this.write(key, null);
  }

  async purge(key: string): Promise<void> {
    this.write(key, null);
  }

  async keys(): Promise<string[]> {
    return [...this.slots.keys()].filter((key) => this.slot(key)?.value);
  }

  async watch(initialized: () => void): Promise<KvWatch> {
    const initial: KvChange[] = [];
    for (const key of await this.keys()) initial.push({ key, value: this.slots.get(key)!.value });
    const watch = new MemoryWatch(initial, initialized, () => this.watches.delete(watch));
    this.watches.add(watch);
    return watch;
  }

  /** A memory bucket has no connection to lose. */
  onReconnect(_listener: () => void): () => void {
    return () => {};
  }

  /** The key's last write, forgetting it once lapsed: JetStream drops the message, revision and all. */
  private slot(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot && this.options.ttlMs !== undefined && this.now() - slot.writtenAt >= this.options.ttlMs) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  private expect(key: string, revision: number): void {
    if (this.slot(key)?.revision !== revision) throw new KvRevisionError(this.name, key, revision);
  }

  private write(key: string, value: Uint8Array | null): number {
    const revision = ++this.sequence;
    const stored = value ? value.slice() : null;
    this.slots.set(key, { value: stored, revision, writtenAt: this.now() });
    for (const watch of this.watches) watch.push({ key, value: stored });
    return revision;
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
