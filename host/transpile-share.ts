/**
 * The lattice's share of transpiled components (runtime/transpile-share.ts) in a JetStream object
 * store, `LATTICE_TRANSPILED_<lattice>`. Only hosts write it: its glue is JavaScript that hosts
 * run outside the WebAssembly sandbox, so the NATS accounts give the cli and provider users no
 * publish right on it (docs/security.md).
 */
import type { NatsConnection, ObjectStore } from 'nats';
import type { Logger } from '../lib/logger.js';
import { withTimeout } from '../lib/timeout.js';
import { buckets } from '../protocol/subjects.js';
import type { TranspileShare } from '../runtime/transpile-share.js';

export interface ObjectStoreShareOptions {
  nc: NatsConnection;
  lattice: string;
  /** JetStream domain of the bucket (the hub's, for hosts on a leaf). */
  domain?: string;
  /** A read that takes longer is given up and the host transpiles itself (default 10 s). */
  timeoutMs?: number;
  logger?: Logger;
}

export class ObjectStoreTranspileShare implements TranspileShare {
  private store: Promise<ObjectStore> | null = null;

  constructor(private readonly options: ObjectStoreShareOptions) {}

  get(name: string): Promise<Uint8Array | null> {
    return withTimeout(
      this.open().then((store) => store.getBlob(name)),
      this.options.timeoutMs ?? 10_000,
      `transpiled entry ${name}`,
    );
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    const store = await this.open();
    await store.putBlob({ name, description: 'jco output after the lattice glue transform' }, bytes);
  }

  private open(): Promise<ObjectStore> {
    if (!this.store) {
      const js = this.options.nc.jetstream(this.options.domain ? { domain: this.options.domain } : {});
      this.store = js.views.os(buckets.transpiled(this.options.lattice), { description: 'transpiled components, written by hosts' });
      // A failed open (leaf cut off) is retried on the next use.
      this.store.catch(() => (this.store = null));
    }
    return this.store;
  }
}
