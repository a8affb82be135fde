import type { KV, NatsConnection } from 'nats';
import { buckets, ConfigValues } from '../../protocol/mod.js';
import type { Logger } from '../../lib/logger.js';
import { deleteKey, encodeStored, getStored, listKeys, missingKeys, openBucket, type BucketOptions } from './kv.js';
import { KvView } from './kv-view.js';

/**
 * Named configuration of one lattice, in the JetStream KV bucket `CONFIGDATA_<lattice>`: one key
 * per config name, its value the JSON string map. Reads and writes go to JetStream; `live()` gives
 * an in-memory view kept current by a watch, for code on the hot path (component instantiation).
 */
export class ConfigStore {
  private view: Promise<KvView<ConfigValues>> | null = null;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    readonly bucket: string,
    private readonly log: Logger,
  ) {}

  static async open(nc: NatsConnection, lattice: string, log: Logger, options: BucketOptions = {}): Promise<ConfigStore> {
    const bucket = buckets.config(lattice);
    return new ConfigStore(nc, await openBucket(nc, bucket, options), bucket, log);
  }

  /** The config named `name`, or null when it does not exist. */
  get(name: string): Promise<ConfigValues | null> {
    return getStored(this.kv, this.bucket, name, ConfigValues);
  }

  async put(name: string, values: ConfigValues): Promise<void> {
    await this.kv.put(name, encodeStored(values));
  }

  /** Deletes `name`; returns false when it did not exist. */
  delete(name: string): Promise<boolean> {
    return deleteKey(this.kv, name);
  }

  names(): Promise<string[]> {
    return listKeys(this.kv);
  }

  /** The names among `names` that do not exist, in the order given (link validation). */
  missing(names: readonly string[]): Promise<string[]> {
    return missingKeys(this.kv, names);
  }

  /** The shared live view of every config (started on first call, stopped by `close`). */
  live(): Promise<KvView<ConfigValues>> {
    this.view ??= new KvView(this.kv, this.bucket, ConfigValues, this.log, this.nc).start();
    return this.view;
  }

  async close(): Promise<void> {
    if (this.view) (await this.view).close();
    this.view = null;
  }
}
