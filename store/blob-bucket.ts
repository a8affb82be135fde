/**
 * The few operations the lattice's object stores need (named blobs: component artifacts,
 * transpiled components), so that their users run on a JetStream object store in a lattice
 * (`jetstream-blob.ts`) and on memory in unit tests (`MemoryBlobBucket`).
 */
export interface BlobBucket {
  readonly name: string;
  /** The bytes of `name`, or null when there is no such object. */
  get(name: string): Promise<Uint8Array | null>;
  /** Stores `bytes` as `name`, replacing what was there; `description` is for people reading the bucket. */
  put(name: string, bytes: Uint8Array, description?: string): Promise<void>;
  /** The size of the object `name`, or null when there is none (or it was deleted). */
  size(name: string): Promise<number | null>;
}

/** A blob bucket in memory; bytes are copied in and out, so no caller can change what another reads. */
export class MemoryBlobBucket implements BlobBucket {
  private readonly objects = new Map<string, Uint8Array>();

  constructor(readonly name: string) {}

  async get(name: string): Promise<Uint8Array | null> {
    return this.objects.get(name)?.slice() ?? null;
  }

  async put(name: string, bytes: Uint8Array, _description?: string): Promise<void> {
    this.objects.set(name, bytes.slice());
  }

  async size(name: string): Promise<number | null> {
    return this.objects.get(name)?.length ?? null;
  }

  /** Every object name, sorted (what a test looks at). */
  names(): string[] {
    return [...this.objects.keys()].sort();
  }
}
