import { Events, type KV, type KvEntry, type NatsConnection } from 'nats';
import type { BucketOptions } from './kv.js';
import type { KvBucket, KvChange, KvWatch } from './kv-bucket.js';

/** A lattice KV bucket in JetStream: what hosts, wadm, provider processes and the CLI share. */
export class JetStreamKvBucket implements KvBucket {
  private constructor(
    private readonly nc: NatsConnection,
    readonly kv: KV,
    readonly name: string,
  ) {}

  /**
   * Opens a lattice KV bucket, creating it when absent. Several hosts starting at once may race to
   * create it; creation with the same configuration is idempotent on the server.
   */
  static async open(nc: NatsConnection, name: string, options: BucketOptions = {}): Promise<JetStreamKvBucket> {
    // history 1: links and config are current state, not a log; events carry the history.
    const js = nc.jetstream(options.domain ? { domain: options.domain } : {});
    return new JetStreamKvBucket(nc, await js.views.kv(name, { history: 1, replicas: options.replicas ?? 1 }), name);
  }

  async get(key: string): Promise<Uint8Array | null> {
    const entry = await this.kv.get(key);
    return entry?.operation === 'PUT' ? entry.value : null;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.kv.put(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  async keys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) keys.push(key);
    return keys;
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
    if (calledEarly) watch.push(initialized as unknown as KvEntry);
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
}
