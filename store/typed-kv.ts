/**
 * One KV bucket of typed values: every value checked against one zod schema on read, one live
 * view shared by the readers on the hot path. The config, link and secret stores are this with
 * their own keys and meaning (config names, link identities, sealed secrets). The bucket is a
 * JetStream KV bucket in a lattice (`open`) or any other KvBucket (`over`: memory in unit tests).
 */
import type { NatsConnection } from 'nats';
import type { z } from 'zod';
import type { Logger } from '../lib/logger.js';
import { deleteKey, encodeStored, getStored, listKeys, missingKeys, type BucketOptions } from './kv.js';
import type { KvBucket } from './kv-bucket.js';
import { JetStreamKvBucket } from './jetstream-kv.js';
import { KvView } from './kv-view.js';

/** Builds a store's live view: a KvView, or a subclass with lookups (LinkView). */
export type ViewFactory<T, View extends KvView<T>> = (bucket: KvBucket, schema: z.ZodType<T>, log: Logger) => View;

export class TypedKvStore<T, View extends KvView<T> = KvView<T>> {
  private view: Promise<View> | null = null;

  private constructor(
    readonly kv: KvBucket,
    private readonly schema: z.ZodType<T>,
    private readonly log: Logger,
    private readonly makeView: ViewFactory<T, View>,
  ) {}

  /** Opens the JetStream KV bucket `bucket` (creating it when absent). */
  static async open<T, View extends KvView<T> = KvView<T>>(
    nc: NatsConnection,
    bucket: string,
    schema: z.ZodType<T>,
    log: Logger,
    options: BucketOptions = {},
    makeView?: ViewFactory<T, View>,
  ): Promise<TypedKvStore<T, View>> {
    return TypedKvStore.over(await JetStreamKvBucket.open(nc, bucket, options), schema, log, makeView);
  }

  /** A store over `bucket`, opened already. */
  static over<T, View extends KvView<T> = KvView<T>>(
    bucket: KvBucket,
    schema: z.ZodType<T>,
    log: Logger,
    makeView: ViewFactory<T, View> = (b, s, l) => new KvView(b, s, l) as View,
  ): TypedKvStore<T, View> {
    return new TypedKvStore(bucket, schema, log, makeView);
  }

  get bucket(): string {
    return this.kv.name;
  }

  /** The value of `key`, or null when it does not exist; throws StoredValueError when it does not decode. */
  get(key: string): Promise<T | null> {
    return getStored(this.kv, key, this.schema);
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
    this.view ??= this.makeView(this.kv, this.schema, this.log).start();
    return this.view;
  }

  async close(): Promise<void> {
    if (this.view) (await this.view).close();
    this.view = null;
  }
}
