import type { NatsConnection } from 'nats';
import { decodeJson, encodeJson } from '../../protocol/codec.js';
import { AppStatus } from '../../protocol/schemas/wadm.js';
import { buckets, wadm } from '../../protocol/subjects.js';
import { JetStreamKvBucket } from '../../store/jetstream-kv.js';
import { type KvBucket, KvRevisionError } from '../../store/kv-bucket.js';
import { StoreError } from './errors.js';

/** Where a written status is announced (the connection's publish in a lattice). */
export type StatusPublisher = (subject: string, payload: Uint8Array) => void;

/**
 * Latest status per application, kept apart from the manifests so that frequent status writes
 * never contend with manifest changes. Every put is also published on `wadm.status.<lattice>.<app>`.
 */
export class StatusStore {
  private constructor(
    readonly bucket: KvBucket,
    readonly lattice: string,
    private readonly publish: StatusPublisher,
  ) {}

  static async open(nc: NatsConnection, lattice: string, opts: { replicas?: number; domain?: string } = {}): Promise<StatusStore> {
    try {
      const bucket = await JetStreamKvBucket.open(nc, buckets.appStatus(lattice), opts);
      return new StatusStore(bucket, lattice, (subject, payload) => nc.publish(subject, payload));
    } catch (cause) {
      throw new StoreError(`cannot open the status bucket of lattice ${lattice}: ${(cause as Error).message}`, { cause });
    }
  }

  /** The store over any bucket (a MemoryKvBucket in unit tests); `publish` defaults to announcing nothing. */
  static over(bucket: KvBucket, lattice: string, publish: StatusPublisher = () => {}): StatusStore {
    return new StatusStore(bucket, lattice, publish);
  }

  async get(name: string): Promise<AppStatus | null> {
    const value = await this.bucket.get(name);
    if (value === null) return null;
    const parsed = AppStatus.safeParse(decodeJson(value));
    return parsed.success ? parsed.data : null;
  }

  async put(status: AppStatus): Promise<void> {
    const checked = AppStatus.parse(status);
    await this.bucket.put(checked.name, encodeJson(checked));
    this.publish(wadm.status(this.lattice, checked.name), encodeJson(checked));
  }

  /** The revision of `name`'s status entry (0: none), for `putIfUnchanged`. */
  async revision(name: string): Promise<number> {
    return (await this.bucket.entry(name))?.revision ?? 0;
  }

  /**
   * Writes `status` only if nobody wrote `name`'s status since `revision` was read (0: there was
   * none); false when someone did: theirs is newer and stays.
   */
  async putIfUnchanged(status: AppStatus, revision: number): Promise<boolean> {
    const checked = AppStatus.parse(status);
    try {
      if (revision === 0) await this.bucket.create(checked.name, encodeJson(checked));
      else await this.bucket.update(checked.name, encodeJson(checked), revision);
    } catch (error) {
      if (error instanceof KvRevisionError) return false;
      throw error;
    }
    this.publish(wadm.status(this.lattice, checked.name), encodeJson(checked));
    return true;
  }

  async delete(name: string): Promise<void> {
    await this.bucket.purge(name);
  }
}
