/**
 * The lattice's share of transpiled components (runtime/transpile-share.ts) in a JetStream object
 * store, `LATTICE_TRANSPILED_<lattice>`. Only hosts write it: its glue is JavaScript that hosts
 * run outside the WebAssembly sandbox, so the NATS accounts give the cli and provider users no
 * publish right on it (docs/security.md).
 */
import type { NatsConnection } from 'nats';
import type { Logger } from '../lib/logger.js';
import { withTimeout } from '../lib/timeout.js';
import { buckets } from '../protocol/subjects.js';
import type { TranspileShare } from '../runtime/transpile-share.js';
import { JetStreamBlobBucket } from '../store/jetstream-blob.js';

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
  private readonly bucket: JetStreamBlobBucket;

  constructor(private readonly options: ObjectStoreShareOptions) {
    this.bucket = new JetStreamBlobBucket(options.nc, buckets.transpiled(options.lattice), {
      domain: options.domain,
      description: 'transpiled components, written by hosts',
    });
  }

  get(name: string): Promise<Uint8Array | null> {
    return withTimeout(this.bucket.get(name), this.options.timeoutMs ?? 10_000, `transpiled entry ${name}`);
  }

  put(name: string, bytes: Uint8Array): Promise<void> {
    return this.bucket.put(name, bytes, 'jco output after the lattice glue transform');
  }
}
