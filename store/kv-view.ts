import type { z } from 'zod';
import type { Logger } from '../lib/logger.js';
import { decodeStored } from './kv.js';
import type { KvBucket, KvChange } from './kv-bucket.js';

/** One key changed: `value` null means deleted, `previous` null means new. */
export interface ViewChange<T> {
  key: string;
  value: T | null;
  previous: T | null;
}

export type ViewListener<T> = (change: ViewChange<T>) => void;

/** How long `start` waits for the initial values before returning anyway (the view keeps filling). */
const INITIAL_LOAD_TIMEOUT_MS = 10_000;
/** Back-off between watch restarts after the watch ends (NATS down, stream recreated). */
const REWATCH_MIN_MS = 250;
const REWATCH_MAX_MS = 5_000;

/**
 * A live in-memory copy of a KV bucket (kv-bucket.ts), kept current by a watch. Hosts (link
 * router, runtime) and provider processes read links and config from views instead of asking
 * JetStream on every call.
 *
 * When the watch ends (server restart, lost connection) it is restarted with back-off; the
 * restarted watch's initial values replace the map and listeners hear the difference, so a
 * deletion missed while disconnected is still reported.
 */
export class KvView<T> {
  private current = new Map<string, T>();
  private readonly listeners = new Set<ViewListener<T>>();
  private closed = false;
  private stopWatch: (() => void) | null = null;
  private resyncRequested = false;
  private stopReconnects: (() => void) | null = null;

  constructor(
    private readonly source: KvBucket,
    private readonly schema: z.ZodType<T>,
    private readonly log: Logger,
  ) {}

  /** The name of the bucket this view copies. */
  get bucket(): string {
    return this.source.name;
  }

  /** Starts watching; resolves once the bucket's current values are loaded. */
  async start(): Promise<this> {
    let loaded!: () => void;
    const ready = new Promise<void>((resolve) => (loaded = resolve));
    void this.run(loaded);
    // The watch restarts at once on reconnect (see `resync`).
    this.stopReconnects = this.source.onReconnect(() => {
      if (!this.closed) this.resync();
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.log.warn({ bucket: this.bucket }, 'initial load of KV view is slow; continuing, it keeps filling');
        resolve();
      }, INITIAL_LOAD_TIMEOUT_MS);
    });
    await Promise.race([ready, timeout]);
    clearTimeout(timer);
    return this;
  }

  get(key: string): T | null {
    return this.current.get(key) ?? null;
  }

  has(key: string): boolean {
    return this.current.has(key);
  }

  keys(): string[] {
    return [...this.current.keys()].sort();
  }

  values(): T[] {
    return this.keys().map((k) => this.current.get(k) as T);
  }

  get size(): number {
    return this.current.size;
  }

  onChange(listener: ViewListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Restarts the watch now. After a server restart the client's ordered consumer only notices
   * its consumer is gone after missing idle heartbeats (about 15 s measured); restarting on
   * reconnect brings the view back in well under a second.
   */
  resync(): void {
    this.resyncRequested = true;
    this.stopWatch?.();
  }

  close(): void {
    this.closed = true;
    this.stopWatch?.();
    this.stopReconnects?.();
  }

  private async run(loaded: () => void): Promise<void> {
    let delay = REWATCH_MIN_MS;
    while (!this.closed) {
      try {
        await this.watchOnce(() => {
          delay = REWATCH_MIN_MS;
          loaded();
        });
        if (this.resyncRequested) {
          this.resyncRequested = false;
          delay = 0;
        }
      } catch (error) {
        if (!this.closed) this.log.warn({ err: error, bucket: this.bucket }, 'KV watch failed');
      }
      if (this.closed) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(Math.max(delay * 2, REWATCH_MIN_MS), REWATCH_MAX_MS);
    }
  }

  /** One watch: collects the initial values into a fresh map, swaps it in, then applies updates. */
  private async watchOnce(onLoaded: () => void): Promise<void> {
    let initial: Map<string, T> | null = new Map();
    const watch = await this.source.watch(() => {
      const fresh = initial ?? new Map<string, T>();
      initial = null;
      this.replace(fresh);
      onLoaded();
    });
    this.stopWatch = () => watch.stop();
    if (this.closed) watch.stop();
    for await (const change of watch) {
      const value = this.decode(change);
      if (initial) {
        if (value === null) initial.delete(change.key);
        else initial.set(change.key, value);
      } else {
        this.apply(change.key, value);
      }
    }
  }

  private decode(change: KvChange): T | null {
    if (change.value === null || change.value.length === 0) return null;
    try {
      // Frozen: every reader shares one copy, so a reader must not be able to change it for the others.
      return deepFreeze(decodeStored(this.bucket, change.key, change.value, this.schema));
    } catch (error) {
      // An undecodable value is treated as absent: one bad write must not take the view down.
      this.log.warn({ err: error }, 'ignoring invalid KV value');
      return null;
    }
  }

  private apply(key: string, value: T | null): void {
    const previous = this.current.get(key) ?? null;
    if (value === null) {
      if (!this.current.delete(key)) return;
    } else {
      this.current.set(key, value);
    }
    this.emit({ key, value, previous });
  }

  private replace(fresh: Map<string, T>): void {
    const old = this.current;
    this.current = fresh;
    for (const [key, value] of fresh) {
      const previous = old.get(key) ?? null;
      if (previous === null || JSON.stringify(previous) !== JSON.stringify(value)) this.emit({ key, value, previous });
    }
    for (const [key, previous] of old) {
      if (!fresh.has(key)) this.emit({ key, value: null, previous });
    }
  }

  private emit(change: ViewChange<T>): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.log.error({ err: error, bucket: this.bucket }, 'KV view listener threw');
      }
    }
  }
}

function deepFreeze<V>(value: V): V {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
