/**
 * Component artifacts kept in the lattice itself (a JetStream object store), so that hosts at the
 * edge need no OCI registry. Shared by `lattice push` and the host's `nats://` image loader.
 *
 * Layout of the bucket `buckets.artifacts(lattice)`:
 *   `sha256:<hex>`         the component bytes, named by their SHA-256 digest (immutable)
 *   `tag:<name>:<tag>`     a small object whose content is the digest (`sha256:<hex>`) it points at
 *
 * Image references: `nats://<name>:<tag>`, `nats://<name>` (tag `latest`), `nats://sha256:<hex>`
 * (pinned by digest), `nats://<name>@sha256:<hex>` (name for humans, digest pinned).
 */
import { createHash } from 'node:crypto';
import type { NatsConnection, ObjectStore } from 'nats';
import { buckets } from './subjects.js';

export const ARTIFACT_SCHEME = 'nats';
export const DEFAULT_TAG = 'latest';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** Names and tags: what OCI allows in a repository path and a tag, minus ':' and '@'. */
const NAME = /^[a-z0-9][a-z0-9._/-]{0,127}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export type ArtifactRef = { kind: 'tag'; name: string; tag: string } | { kind: 'digest'; digest: string; name?: string };

export class ArtifactRefError extends Error {
  constructor(
    readonly ref: string,
    detail: string,
  ) {
    super(`invalid artifact reference ${JSON.stringify(ref)}: ${detail}`);
    this.name = 'ArtifactRefError';
  }
}

/** `sha256:<hex>` of `bytes`. */
export function artifactDigest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** Parses `nats://...` (or the part after the scheme) into a tag or digest reference. */
export function parseArtifactRef(ref: string): ArtifactRef {
  const rest = ref.startsWith(`${ARTIFACT_SCHEME}://`) ? ref.slice(ARTIFACT_SCHEME.length + 3) : ref;
  if (isDigest(rest)) return { kind: 'digest', digest: rest };
  const at = rest.indexOf('@');
  if (at >= 0) {
    const name = rest.slice(0, at);
    const digest = rest.slice(at + 1);
    if (!NAME.test(name)) throw new ArtifactRefError(ref, `bad name ${JSON.stringify(name)}`);
    if (!isDigest(digest)) throw new ArtifactRefError(ref, 'a pinned digest must be sha256:<64 hex digits>');
    return { kind: 'digest', digest, name };
  }
  return parseNameTag(rest, ref);
}

/** Parses `name[:tag]` (the `--name` of `lattice push`). */
export function parseNameTag(value: string, ref = value): { kind: 'tag'; name: string; tag: string } {
  const colon = value.lastIndexOf(':');
  const name = colon >= 0 ? value.slice(0, colon) : value;
  const tag = colon >= 0 ? value.slice(colon + 1) : DEFAULT_TAG;
  if (!NAME.test(name)) {
    throw new ArtifactRefError(ref, `name ${JSON.stringify(name)} must be lowercase letters, digits, '.', '_', '-' or '/'`);
  }
  if (!TAG.test(tag)) throw new ArtifactRefError(ref, `tag ${JSON.stringify(tag)} must be letters, digits, '.', '_' or '-'`);
  return { kind: 'tag', name, tag };
}

export function blobObjectName(digest: string): string {
  return digest;
}

export function tagObjectName(name: string, tag: string): string {
  return `tag:${name}:${tag}`;
}

/** Opens (creating when absent) the lattice's artifact store, in `domain` when given (leaf nodes). */
export function openArtifactStore(nc: NatsConnection, lattice: string, domain?: string): Promise<ObjectStore> {
  const js = nc.jetstream(domain ? { domain } : {});
  return js.views.os(buckets.artifacts(lattice), { description: 'lattice component artifacts' });
}

export interface PushResult {
  digest: string;
  size: number;
  /** `nats://name:tag` when a name was given, else `nats://sha256:<hex>`. */
  ref: string;
  /** False when the same digest was already stored (only the tag was written). */
  uploaded: boolean;
}

/**
 * Stores `bytes` under their digest (once) and points `name:tag` at it.
 *
 * @example
 *   const { ref } = await pushArtifact(os, bytes, { name: 'hello', tag: 'v1' }); // nats://hello:v1
 */
export async function pushArtifact(store: ObjectStore, bytes: Uint8Array, target?: { name: string; tag: string }): Promise<PushResult> {
  const digest = artifactDigest(bytes);
  const existing = await store.info(blobObjectName(digest));
  const uploaded = existing === null || existing.deleted || existing.size !== bytes.length;
  if (uploaded) await store.putBlob({ name: blobObjectName(digest), description: target ? `${target.name}:${target.tag}` : undefined }, bytes);
  if (target) await store.putBlob({ name: tagObjectName(target.name, target.tag) }, new TextEncoder().encode(digest));
  const ref = target ? `${ARTIFACT_SCHEME}://${target.name}:${target.tag}` : `${ARTIFACT_SCHEME}://${digest}`;
  return { digest, size: bytes.length, ref, uploaded };
}
