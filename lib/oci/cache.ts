/**
 * Content-addressed store of pulled OCI content (manifests and layers) shared by every host of a
 * machine: `<dir>/blobs/sha256/<hex>` holds bytes that hash to their name, written
 * write-then-rename so hosts pulling the same image at once never read a partial file, and
 * re-checked on read so a damaged file is dropped and fetched again. `<dir>/refs/` remembers which
 * manifest a tag pointed at last, for starting when the registry cannot be reached.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { latticeHome, writeFileAtomic } from '../home.js';
import { sha256Digest } from './client.js';
import { isOciDigest } from './reference.js';

/** The machine's shared cache: `<lattice home>/cache/oci`, used by every host and the CLI. */
export function defaultOciCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(latticeHome(env), 'cache', 'oci');
}

export class OciCache {
  constructor(readonly dir: string) {}

  private blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  private refPath(ref: string): string {
    return join(this.dir, 'refs', createHash('sha256').update(ref).digest('hex'));
  }

  /** The bytes of `digest` when cached and intact; null otherwise (a damaged file is removed). */
  async get(digest: string): Promise<Uint8Array | null> {
    if (!isOciDigest(digest)) return null;
    const path = this.blobPath(digest);
    const bytes = await readFile(path).catch(() => null);
    if (!bytes) return null;
    if (sha256Digest(bytes) === digest) return new Uint8Array(bytes);
    await rm(path, { force: true });
    return null;
  }

  /** Stores bytes already verified against `digest`. */
  async put(digest: string, bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.blobPath(digest), bytes);
  }

  async rememberRef(ref: string, manifestDigest: string): Promise<void> {
    await writeFileAtomic(this.refPath(ref), `${manifestDigest}\n`);
  }

  async lastKnown(ref: string): Promise<string | null> {
    const text = (await readFile(this.refPath(ref), 'utf8').catch(() => ''))?.trim();
    return text && isOciDigest(text) ? text : null;
  }
}
