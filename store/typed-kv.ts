/**
 * One JetStream KV bucket of typed values: every value checked against one zod schema on read,
 * one live view shared by the readers on the hot path. The config, link and secret stores are
 * this with their own keys and meaning (config names, link identities, sealed secrets).
 */
import type { KV, NatsConnection } from 'nats';
import type { z } from 'zod';
import type { Logger } from '../lib/logger.js';
import { deleteKey, encodeStored, getStored, listKeys, missingKeys, openBucket, type BucketOptions } from './kv.js';
import { KvView } from './kv-view.js';

export class TypedKvStore<T, View extends KvView<T> = KvView<T>> {
  private view: Promise<View> | null = null;

  private constructor(
    private readonly nc: NatsConnection,
    readonly kv: KV,
    readonly bucket: string,
    private readonly schema: z.ZodType<T>,
    private readonly log: Logger,
    private readonly makeView: (kv: KV, bucket: string, schema: z.ZodType<T>, log: Logger, nc: NatsConnection) => View,
  ) {}

  /** Opens `bucket` (creating it when absent); `makeView` builds the live view (a subclass with lookups). */
  static async open<T, View extends KvView<T> = KvView<T>>(
    nc: NatsConnection,
    bucket: string,
    schema: z.ZodType<T>,
    log: Logger,
    options: BucketOptions = {},
    makeView: (kv: KV, bucket: string, schema: z.ZodType<T>, log: Logger, nc: NatsConnection) => View = (kv, b, s, l, c) => new KvView(kv, b, s, l, c) as View,
  ): Promise<TypedKvStore<T, View>> {
    return new TypedKvStore(nc, await openBucket(nc, bucket, options), bucket, schema, log, makeView);
  }

  /** The value of `key`, or null when it does not exist; throws StoredValueError when it does not decode. */
  get(key: string): Promise<T | null> {
    return getStored(this.kv, this.bucket, key, this.schema);
  }

  async put(key: string, value: T): Promise<void> {
    await this.kv.put(key, encodeStored(value));
  }

  /** Deletes `key`; returns false when it did not exist. */
  delete(key: string): Promise<boolean> {
    return deleteKey(this.kv, key);
  }

  /** Every live key, sorted. */
  keys(): Promise<string[]> {
    return listKeys(this.kv);
  }

  /** The keys among `keys` that do not exist, in the order given, each once. */
  missing(keys: readonly string[]): Promise<string[]> {
    return missingKeys(this.kv, keys);
  }

  /** The shared live view (started on first call, stopped by `close`). */
  live(): Promise<View> {
    this.view ??= this.makeView(this.kv, this.bucket, this.schema, this.log, this.nc).start();
    return this.view;
  }

  async close(): Promise<void> {
    if (this.view) (await this.view).close();
    this.view = null;
  }
}
