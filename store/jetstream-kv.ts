import { Events, type KV, type KvEntry as NatsKvEntry, type NatsConnection } from 'nats';
import type { BucketOptions } from './kv.js';
import { checkRevision, type KvBucket, type KvChange, type KvEntry, KvRevisionError, type KvWatch } from './kv-bucket.js';

/** JetStream's error code for a publish whose expected last subject sequence does not match. */
const WRONG_LAST_SEQUENCE = 10071;

/** A lattice KV bucket in JetStream: what hosts, wadm, provider processes and the CLI share. */
export class JetStreamKvBucket implements KvBucket {
  private constructor(
    private readonly nc: NatsConnection,
    readonly kv: KV,
    readonly name: string,
    private readonly domain: string | undefined,
  ) {}

  /**
   * Opens a lattice KV bucket, creating it when absent. Several hosts starting at once may race to
   * create it; creation with the same configuration is idempotent on the server.
   */
  static async open(nc: NatsConnection, name: string, options: BucketOptions = {}): Promise<JetStreamKvBucket> {
    // history 1: links and config are current state, not a log; events carry the history.
    const js = nc.jetstream(options.domain ? { domain: options.domain } : {});
    const kv = await js.views.kv(name, {
      history: 1,
      replicas: options.replicas ?? 1,
      ...(options.ttlMs === undefined ? {} : { ttl: options.ttlMs }),
    });
    return new JetStreamKvBucket(nc, kv, name, options.domain);
  }

  async get(key: string): Promise<Uint8Array | null> {
    return (await this.entry(key))?.value ?? null;
  }

  async entry(key: string): Promise<KvEntry | null> {
    const entry = await this.kv.get(key);
    return entry?.operation === 'PUT' ? { value: entry.value, revision: entry.revision } : null;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.kv.put(key, value);
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    return this.compareAndSet(key, 0, () => this.kv.create(key, value));
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    checkRevision(revision);
    return this.compareAndSet(key, revision, () => this.kv.update(key, value, revision));
  }

  async delete(key: string, revision?: number): Promise<void> {
    if (revision === undefined) {
      await this.kv.delete(key);
      return;
    }
    checkRevision(revision);
    await this.compareAndSet(key, revision, () => this.kv.delete(key, { previousSeq: revision }));
  }

  async purge(key: string): Promise<void> {
    await this.kv.purge(key);
  }

  /**
   * Not `kv.keys()`: with nats-server 2.9 its last-per-subject consumer reports `pending: 0`
   * early once keys were purged, and the listing silently stops short. The stream's per-subject
   * state is exact, but also names keys whose last message is a delete marker: hence the reads.
   */
  async keys(): Promise<string[]> {
    const prefix = `$KV.${this.name}.`;
    const jsm = await this.nc.jetstreamManager(this.domain ? { domain: this.domain } : {});
    const info = await jsm.streams.info(`KV_${this.name}`, { subjects_filter: '>' });
    const candidates = Object.keys(info.state.subjects ?? {})
      .filter((s) => s.startsWith(prefix))
      .map((s) => s.slice(prefix.length));
    const live = await Promise.all(candidates.map(async (key) => ((await this.kv.get(key))?.operation === 'PUT' ? key : null)));
    return live.filter((key): key is string => key !== null);
  }

  async watch(initialized: () => void): Promise<KvWatch> {
    let returned = false;
    let calledEarly = false;
    const watch = await this.kv.watch({
      // nats.js calls this either in order from the iterator's queue, or synchronously before
      // watch() returns when every initial entry is already queued: then a sentinel is queued
      // behind them (the iterator calls a queued function instead of yielding it), so
      // `initialized` still runs only after they are handed out.
      initializedFn: () => {
        if (returned) initialized();
        else calledEarly = true;
      },
    });
    returned = true;
    if (calledEarly) watch.push(initialized as unknown as NatsKvEntry);
    return {
      stop: () => watch.stop(),
      async *[Symbol.asyncIterator](): AsyncIterator<KvChange> {
        for await (const entry of watch) yield { key: entry.key, value: entry.operation === 'PUT' ? entry.value : null };
      },
    };
  }

  onReconnect(listener: () => void): () => void {
    const statuses = this.nc.status();
    let stopped = false;
    void (async () => {
      for await (const status of statuses) {
        if (stopped) return;
        if (status.type === Events.Reconnect) listener();
      }
    })();
    return () => {
      stopped = true;
      (statuses as { stop?: () => void }).stop?.();
    };
  }

  /** Runs a conditional write, turning JetStream's refusal into the KvRevisionError both buckets throw. */
  private async compareAndSet<T>(key: string, expected: number, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isWrongLastSequence(error)) throw new KvRevisionError(this.name, key, expected, { cause: error });
      throw error;
    }
  }
}

function isWrongLastSequence(error: unknown): boolean {
  const code = (error as { api_error?: { err_code?: unknown } } | null)?.api_error?.err_code;
  return code === WRONG_LAST_SEQUENCE || (error instanceof Error && /wrong last sequence/i.test(error.message));
}
