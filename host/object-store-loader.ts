/**
 * `nats://` images: components pushed into the lattice's JetStream object store (`lattice push`).
 * Each blob is fetched once, checked against its SHA-256 digest and kept on disk, so a host that
 * lost its NATS link (an edge host behind a cut leaf) still starts what it ran before.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection, ObjectStore } from 'nats';
import type { Logger } from '../lib/logger.js';
import { withTimeout } from '../lib/timeout.js';
import {
  ARTIFACT_SCHEME,
  type ArtifactRefError,
  artifactDigest,
  blobObjectName,
  isDigest,
  openArtifactStore,
  parseArtifactRef,
  tagObjectName,
} from '../protocol/artifacts.js';
import { ImageLoadError } from '../runtime/errors.js';
import type { ImageLoader, ResolveOptions } from '../runtime/image-loader.js';

/**
 * Object-store reads can hang while a stream leader fails over or a leaf is cut off (docs/architecture.md,
 * fact 11): each read gets this long before the loader falls back to its disk cache. Generous
 * because a slow edge link moves a few hundred KB per second.
 */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

export interface ObjectStoreLoaderOptions {
  nc: NatsConnection;
  lattice: string;
  /** Where verified blobs and last known tags are kept (`<dataDir>/cache/artifacts`). */
  cacheDir: string;
  /** JetStream domain of the artifact bucket (the hub's, for hosts on a leaf). */
  domain?: string;
  fetchTimeoutMs?: number;
  logger?: Logger;
}

export class ObjectStoreImageLoader implements ImageLoader {
  readonly schemes = [ARTIFACT_SCHEME] as const;
  private store: Promise<ObjectStore> | null = null;
  private readonly timeoutMs: number;

  constructor(private readonly options: ObjectStoreLoaderOptions) {
    this.timeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  }

  async load(ref: string, _options: ResolveOptions): Promise<Uint8Array> {
    let parsed;
    try {
      parsed = parseArtifactRef(ref);
    } catch (cause) {
      throw new ImageLoadError(ref, (cause as ArtifactRefError).message, { cause });
    }
    const digest = parsed.kind === 'digest' ? parsed.digest : await this.resolveTag(ref, parsed.name, parsed.tag);
    const cached = await this.readCached(digest);
    if (cached) return cached;
    return this.fetch(ref, digest);
  }

  /** The digest a tag points at now; the last one seen when the store cannot be reached. */
  private async resolveTag(ref: string, name: string, tag: string): Promise<string> {
    const tagFile = join(this.options.cacheDir, 'tags', encodeURIComponent(`${name}:${tag}`));
    let remote: Uint8Array | null;
    try {
      remote = await this.withTimeout(`tag ${name}:${tag}`, async () => (await this.open()).getBlob(tagObjectName(name, tag)));
    } catch (cause) {
      const known = await readFile(tagFile, 'utf8').catch(() => null);
      if (known && isDigest(known)) {
        this.options.logger?.warn({ ref, digest: known, err: cause }, 'artifact store unreachable; using the last known tag');
        return known;
      }
      throw new ImageLoadError(ref, `artifact store unreachable and the tag was never resolved here (${(cause as Error).message})`, { cause });
    }
    if (remote === null) throw new ImageLoadError(ref, `no artifact tagged ${name}:${tag} (push it with: lattice push FILE --name ${name}:${tag})`);
    const digest = new TextDecoder().decode(remote).trim();
    if (!isDigest(digest)) throw new ImageLoadError(ref, `tag ${name}:${tag} holds ${JSON.stringify(digest.slice(0, 80))}, not a digest`);
    await this.writeAtomically(tagFile, new TextEncoder().encode(digest));
    return digest;
  }

  /** A cached blob whose bytes still hash to its digest; a damaged one is removed (and refetched). */
  private async readCached(digest: string): Promise<Uint8Array | null> {
    const path = this.blobPath(digest);
    const bytes = await readFile(path).catch(() => null);
    if (!bytes) return null;
    if (artifactDigest(bytes) === digest) return new Uint8Array(bytes);
    this.options.logger?.warn({ digest, path, size: bytes.length }, 'cached artifact does not match its digest; fetching it again');
    await rm(path, { force: true });
    return null;
  }

  private async fetch(ref: string, digest: string): Promise<Uint8Array> {
    let bytes: Uint8Array | null;
    try {
      bytes = await this.withTimeout(`blob ${digest}`, async () => (await this.open()).getBlob(blobObjectName(digest)));
    } catch (cause) {
      throw new ImageLoadError(ref, `cannot fetch ${digest} from the artifact store and it is not cached (${(cause as Error).message})`, { cause });
    }
    if (bytes === null) throw new ImageLoadError(ref, `artifact ${digest} is not in the lattice's artifact store`);
    const actual = artifactDigest(bytes);
    if (actual !== digest) {
      // A truncated or altered object: never cache or run it.
      throw new ImageLoadError(ref, `downloaded ${bytes.length} bytes hash to ${actual}, expected ${digest}`);
    }
    await this.writeAtomically(this.blobPath(digest), bytes);
    this.options.logger?.info({ ref, digest, size: bytes.length }, 'artifact fetched and cached');
    return bytes;
  }

  private blobPath(digest: string): string {
    return join(this.options.cacheDir, 'blobs', `${digest.replace(':', '-')}.wasm`);
  }

  /** Write-then-rename, so a crash mid-write never leaves a partial file under the final name. */
  private async writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  private open(): Promise<ObjectStore> {
    if (!this.store) {
      this.store = openArtifactStore(this.options.nc, this.options.lattice, this.options.domain);
      // A failed open (leaf cut off) is retried on the next load.
      this.store.catch(() => (this.store = null));
    }
    return this.store;
  }

  private withTimeout<T>(what: string, run: () => Promise<T>): Promise<T> {
    return withTimeout(run(), this.timeoutMs, what);
  }
}
