import type { NatsConnection } from 'nats';
import { buckets, ConfigValues } from '../protocol/mod.js';
import type { Logger } from '../lib/logger.js';
import type { BucketOptions } from './kv.js';
import type { KvBucket } from './kv-bucket.js';
import type { KvView } from './kv-view.js';
import { TypedKvStore } from './typed-kv.js';

/**
 * Named configuration of one lattice, in the JetStream KV bucket `CONFIGDATA_<lattice>`: one key
 * per config name, its value the JSON string map. Reads and writes go to the bucket; `live()` gives
 * an in-memory view kept current by a watch, for code on the hot path (component instantiation).
 */
export class ConfigStore {
  private constructor(private readonly store: TypedKvStore<ConfigValues>) {}

  get bucket(): string {
    return this.store.bucket;
  }

  static async open(nc: NatsConnection, lattice: string, log: Logger, options: BucketOptions = {}): Promise<ConfigStore> {
    return new ConfigStore(await TypedKvStore.open(nc, buckets.config(lattice), ConfigValues, log, options));
  }

  /** The store over another bucket (memory-stores.ts: in memory, for unit tests). */
  static over(bucket: KvBucket, log: Logger): ConfigStore {
    return new ConfigStore(TypedKvStore.over(bucket, ConfigValues, log));
  }

  /** The config named `name`, or null when it does not exist. */
  get(name: string): Promise<ConfigValues | null> {
    return this.store.get(name);
  }

  put(name: string, values: ConfigValues): Promise<void> {
    return this.store.put(name, values);
  }

  /** Deletes `name`; returns false when it did not exist. */
  delete(name: string): Promise<boolean> {
    return this.store.delete(name);
  }

  names(): Promise<string[]> {
    return this.store.keys();
  }

  /** The names among `names` that do not exist, in the order given (link validation). */
  missing(names: readonly string[]): Promise<string[]> {
    return this.store.missing(names);
  }

  /** The shared live view of every config (started on first call, stopped by `close`). */
  live(): Promise<KvView<ConfigValues>> {
    return this.store.live();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
