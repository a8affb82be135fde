/**
 * Transpiled components shared by the hosts of a lattice. The first host to transpile an image
 * stores jco's output (after the glue transform) in a JetStream object store; the others fetch it
 * instead of running jco, which costs 1 to 2 s of a core and up to ~0.8 GB for a JS component.
 *
 * An entry is named after everything the output depends on (transpile-cache.ts, `entryName`): the
 * component's digest, the jco version, the cache format and the JSPI mode. Only hosts write the
 * bucket: its glue is JavaScript that hosts run outside the WebAssembly sandbox, so the NATS
 * accounts give the cli and provider users no publish right on it (docs/security.md).
 */
import type { NatsConnection, ObjectStore } from 'nats';
import { pack, unpack } from 'msgpackr';
import type { Logger } from '../../lib/logger.js';
import { withTimeout } from '../../lib/timeout.js';
import { buckets } from '../../protocol/subjects.js';

/** Where transpiled output is shared; `get` resolves null when there is no such entry. */
export interface TranspileShare {
  get(name: string): Promise<Uint8Array | null>;
  put(name: string, bytes: Uint8Array): Promise<void>;
}

/** One shared entry: the cache's metadata and every file of the output (glue, core modules). */
export interface SharedEntry<Meta> {
  meta: Meta;
  files: Record<string, Uint8Array>;
}

export function encodeEntry<Meta>(entry: SharedEntry<Meta>): Uint8Array {
  return pack(entry);
}

/** Null when `bytes` is not an entry (a damaged object is transpiled again, never run). */
export function decodeEntry<Meta>(bytes: Uint8Array): SharedEntry<Meta> | null {
  try {
    const entry = unpack(bytes) as Partial<SharedEntry<Meta>> | null;
    if (!entry || typeof entry.meta !== 'object' || typeof entry.files !== 'object' || entry.files === null) return null;
    for (const content of Object.values(entry.files)) if (!(content instanceof Uint8Array)) return null;
    return entry as SharedEntry<Meta>;
  } catch {
    return null;
  }
}

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
