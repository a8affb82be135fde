/**
 * Component artifacts kept in the lattice itself (a JetStream object store), so that hosts at the
 * edge need no OCI registry: their names, references and digests, which `lattice push`, the host's
 * `nats://` image loader and the store (store/artifact-store.ts) agree on.
 *
 * Layout of the bucket `buckets.artifacts(lattice)`:
 *   `sha256:<hex>`         the component bytes, named by their SHA-256 digest (immutable)
 *   `tag:<name>:<tag>`     a small object whose content is the digest (`sha256:<hex>`) it points at
 *
 * Image references: `nats://<name>:<tag>`, `nats://<name>` (tag `latest`), `nats://sha256:<hex>`
 * (pinned by digest), `nats://<name>@sha256:<hex>` (name for humans, digest pinned).
 */
import { createHash } from 'node:crypto';

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
