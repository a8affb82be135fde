/**
 * `nats://` images: components pushed into the lattice's JetStream object store (`lattice push`).
 * Each blob is fetched once, checked against its SHA-256 digest and kept on disk, so a host that
 * lost its NATS link (an edge host behind a cut leaf) still starts what it ran before.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import type { Logger } from '../lib/logger.js';
import { withTimeout } from '../lib/timeout.js';
import { ARTIFACT_SCHEME, type ArtifactRefError, artifactDigest, isDigest, parseArtifactRef } from '../protocol/artifacts.js';
import { artifactBucket, type ArtifactStore, BlobArtifactStore, DamagedArtifactError } from '../store/artifact-store.js';
import { ImageLoadError } from '../runtime/errors.js';
import type { ImageLoader, ResolveOptions } from '../runtime/image-loader.js';

/**
 * Object-store reads can hang while a stream leader fails over or a leaf is cut off (docs/architecture.md,
 * fact 11): each read gets this long before the loader falls back to its disk cache. Generous
 * because a slow edge link moves a few hundred KB per second.
 */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

/** The lattice's artifact store in JetStream (domain: the hub's, for hosts on a leaf), or any other (memory in unit tests). */
export type ArtifactSource = { nc: NatsConnection; lattice: string; domain?: string } | { store: ArtifactStore };

export type ObjectStoreLoaderOptions = ArtifactSource & {
  /** Where verified blobs and last known tags are kept (`<dataDir>/cache/artifacts`). */
  cacheDir: string;
  fetchTimeoutMs?: number;
  logger?: Logger;
};

export class ObjectStoreImageLoader implements ImageLoader {
  readonly schemes = [ARTIFACT_SCHEME] as const;
  private readonly store: ArtifactStore;
  private readonly timeoutMs: number;

  constructor(private readonly options: ObjectStoreLoaderOptions) {
    this.timeoutMs = options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
    this.store = 'store' in options ? options.store : new BlobArtifactStore(artifactBucket(options.nc, options.lattice, options.domain));
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
    let digest: string | null;
    try {
      digest = await this.withTimeout(`tag ${name}:${tag}`, () => this.store.resolveTag(name, tag));
    } catch (cause) {
      if (cause instanceof DamagedArtifactError) throw new ImageLoadError(ref, cause.message, { cause });
      const known = await readFile(tagFile, 'utf8').catch(() => null);
      if (known && isDigest(known)) {
        this.options.logger?.warn({ ref, digest: known, err: cause }, 'artifact store unreachable; using the last known tag');
        return known;
      }
      throw new ImageLoadError(ref, `artifact store unreachable and the tag was never resolved here (${(cause as Error).message})`, { cause });
    }
    if (digest === null) throw new ImageLoadError(ref, `no artifact tagged ${name}:${tag} (push it with: lattice push FILE --name ${name}:${tag})`);
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
      bytes = await this.withTimeout(`blob ${digest}`, () => this.store.fetch(digest));
    } catch (cause) {
      // A truncated or altered object: never cache or run it.
      if (cause instanceof DamagedArtifactError) throw new ImageLoadError(ref, cause.message, { cause });
      throw new ImageLoadError(ref, `cannot fetch ${digest} from the artifact store and it is not cached (${(cause as Error).message})`, { cause });
    }
    if (bytes === null) throw new ImageLoadError(ref, `artifact ${digest} is not in the lattice's artifact store`);
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

  private withTimeout<T>(what: string, run: () => Promise<T>): Promise<T> {
    return withTimeout(run(), this.timeoutMs, what);
  }
}
