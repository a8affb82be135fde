/**
 * The lattice's share of transpiled components (runtime/transpile-share.ts) in a JetStream object
 * store, `LATTICE_TRANSPILED_<lattice>`. Only hosts write it: its glue is JavaScript that hosts
 * run outside the WebAssembly sandbox, so the NATS accounts give the cli and provider users no
 * publish right on it (docs/security.md). Beside it, the KV bucket `LATTICE_TRANSPILING_<lattice>`
 * holds claims on transpiles in progress, so that hosts given a new image at once wait for the
 * first one's output instead of all running jco.
 */
import type { NatsConnection } from 'nats';
import type { Logger } from '../lib/logger.js';
import { withTimeout } from '../lib/timeout.js';
import { buckets } from '../protocol/subjects.js';
import { CLAIM_TTL_MS, type TranspileShare } from '../runtime/transpile-share.js';
import { JetStreamBlobBucket } from '../store/jetstream-blob.js';
import { JetStreamKvBucket } from '../store/jetstream-kv.js';
import { KvRevisionError } from '../store/kv-bucket.js';

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
  /** Claims on transpiles in progress, `LATTICE_TRANSPILING_<lattice>`: keys expire after CLAIM_TTL_MS. */
  private claims: Promise<JetStreamKvBucket> | null = null;

  constructor(private readonly options: ObjectStoreShareOptions) {
    this.bucket = new JetStreamBlobBucket(options.nc, buckets.transpiled(options.lattice), {
      domain: options.domain,
      description: 'transpiled components, written by hosts',
    });
  }

  get(name: string): Promise<Uint8Array | null> {
    return withTimeout(this.bucket.get(name), this.timeoutMs, `transpiled entry ${name}`);
  }

  put(name: string, bytes: Uint8Array): Promise<void> {
    return this.bucket.put(name, bytes, 'jco output after the lattice glue transform');
  }

  async claim(name: string): Promise<boolean> {
    const claims = await this.claimBucket();
    try {
      await withTimeout(claims.create(name, new TextEncoder().encode(new Date().toISOString())), this.timeoutMs, `claim ${name}`);
      return true;
    } catch (error) {
      if (error instanceof KvRevisionError) return false;
      throw error;
    }
  }

  async release(name: string): Promise<void> {
    await (await this.claimBucket()).delete(name);
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  private claimBucket(): Promise<JetStreamKvBucket> {
    this.claims ??= JetStreamKvBucket.open(this.options.nc, buckets.transpiling(this.options.lattice), {
      ttlMs: CLAIM_TTL_MS,
      ...(this.options.domain ? { domain: this.options.domain } : {}),
    }).catch((error: unknown) => {
      this.claims = null;
      throw error;
    });
    return this.claims;
  }
}
