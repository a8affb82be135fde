/**
 * Component artifacts kept in the lattice itself, so that hosts at the edge need no OCI registry:
 * bytes named by their digest and tags pointing at digests, laid out as protocol/artifacts.ts
 * describes. Written by `lattice push`, read by the host's `nats://` image loader.
 */
import type { NatsConnection } from 'nats';
import { ARTIFACT_SCHEME, artifactDigest, blobObjectName, isDigest, tagObjectName } from '../protocol/artifacts.js';
import { buckets } from '../protocol/subjects.js';
import { type BlobBucket, MemoryBlobBucket } from './blob-bucket.js';
import { JetStreamBlobBucket } from './jetstream-blob.js';

export interface PushResult {
  digest: string;
  size: number;
  /** `nats://name:tag` when a name was given, else `nats://sha256:<hex>`. */
  ref: string;
  /** False when the same digest was already stored (only the tag was written). */
  uploaded: boolean;
}

export interface ArtifactStore {
  /** Stores `bytes` under their digest (once) and points `target` at it. */
  push(bytes: Uint8Array, target?: { name: string; tag: string }): Promise<PushResult>;
  /** The digest `name:tag` points at; null when there is no such tag; DamagedArtifactError when it holds no digest. */
  resolveTag(name: string, tag: string): Promise<string | null>;
  /** The bytes stored under `digest`; null when there are none; DamagedArtifactError when they do not hash to it. */
  fetch(digest: string): Promise<Uint8Array | null>;
}

/** What the store holds is not what its name promises (a cut transfer, a hand-written object): never run it. */
export class DamagedArtifactError extends Error {
  constructor(
    readonly object: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'DamagedArtifactError';
  }
}

/** The artifact store over any blob bucket: a JetStream object store in a lattice, memory in tests. */
export class BlobArtifactStore implements ArtifactStore {
  constructor(readonly bucket: BlobBucket) {}

  async push(bytes: Uint8Array, target?: { name: string; tag: string }): Promise<PushResult> {
    const digest = artifactDigest(bytes);
    // A stored object of another size is a cut transfer: it is replaced.
    const uploaded = (await this.bucket.size(blobObjectName(digest))) !== bytes.length;
    if (uploaded) await this.bucket.put(blobObjectName(digest), bytes, target ? `${target.name}:${target.tag}` : undefined);
    if (target) await this.bucket.put(tagObjectName(target.name, target.tag), new TextEncoder().encode(digest));
    const ref = target ? `${ARTIFACT_SCHEME}://${target.name}:${target.tag}` : `${ARTIFACT_SCHEME}://${digest}`;
    return { digest, size: bytes.length, ref, uploaded };
  }

  async resolveTag(name: string, tag: string): Promise<string | null> {
    const object = tagObjectName(name, tag);
    const content = await this.bucket.get(object);
    if (content === null) return null;
    const digest = new TextDecoder().decode(content).trim();
    if (!isDigest(digest)) throw new DamagedArtifactError(object, `tag ${name}:${tag} holds ${JSON.stringify(digest.slice(0, 80))}, not a digest`);
    return digest;
  }

  async fetch(digest: string): Promise<Uint8Array | null> {
    const object = blobObjectName(digest);
    const bytes = await this.bucket.get(object);
    if (bytes === null) return null;
    const actual = artifactDigest(bytes);
    if (actual !== digest) throw new DamagedArtifactError(object, `downloaded ${bytes.length} bytes hash to ${actual}, expected ${digest}`);
    return bytes;
  }
}

/** The lattice's artifact bucket in JetStream, in `domain` when given (leaf nodes); opened on first use. */
export function artifactBucket(nc: NatsConnection, lattice: string, domain?: string): JetStreamBlobBucket {
  return new JetStreamBlobBucket(nc, buckets.artifacts(lattice), { domain, description: 'lattice component artifacts' });
}

/** Opens (creating when absent) the lattice's artifact store in JetStream. */
export async function openArtifactStore(nc: NatsConnection, lattice: string, domain?: string): Promise<BlobArtifactStore> {
  const bucket = artifactBucket(nc, lattice, domain);
  await bucket.open();
  return new BlobArtifactStore(bucket);
}

/** An artifact store in memory; `bucket` lets a test write objects by hand (a damaged one). */
export function memoryArtifactStore(lattice = 'default', bucket: BlobBucket = new MemoryBlobBucket(buckets.artifacts(lattice))): BlobArtifactStore {
  return new BlobArtifactStore(bucket);
}
