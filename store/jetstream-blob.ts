import type { NatsConnection, ObjectStore } from 'nats';
import type { BlobBucket } from './blob-bucket.js';

export interface JetStreamBlobOptions {
  /** JetStream domain of the bucket (the hub's, for hosts on a leaf). */
  domain?: string;
  /** The bucket's description, set when this opens it first. */
  description?: string;
}

/**
 * A blob bucket in a JetStream object store, opened (created when absent) on first use. A failed
 * open (a leaf cut off from the hub) is tried again on the next use rather than remembered.
 */
export class JetStreamBlobBucket implements BlobBucket {
  private store: Promise<ObjectStore> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    readonly name: string,
    private readonly options: JetStreamBlobOptions = {},
  ) {}

  async get(name: string): Promise<Uint8Array | null> {
    return (await this.open()).getBlob(name);
  }

  async put(name: string, bytes: Uint8Array, description?: string): Promise<void> {
    await (await this.open()).putBlob({ name, description }, bytes);
  }

  async size(name: string): Promise<number | null> {
    const info = await (await this.open()).info(name);
    return info === null || info.deleted ? null : info.size;
  }

  /** The object store, opened once. */
  open(): Promise<ObjectStore> {
    if (!this.store) {
      const js = this.nc.jetstream(this.options.domain ? { domain: this.options.domain } : {});
      const opening = js.views.os(this.name, this.options.description ? { description: this.options.description } : {});
      this.store = opening;
      opening.catch(() => {
        if (this.store === opening) this.store = null;
      });
    }
    return this.store;
  }
}
