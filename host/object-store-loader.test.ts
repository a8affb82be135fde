/**
 * The host's `nats://` image loader over an in-memory artifact store: tags resolved and
 * remembered, blobs checked against their digest before they are cached or run, and the disk
 * cache serving what was seen before when the store cannot be reached. test/edge/artifacts.test.ts
 * does the same through a nats-server and `lattice push`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { artifactDigest, blobObjectName, tagObjectName } from '../protocol/artifacts.js';
import { ImageLoadError } from '../runtime/errors.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { memoryArtifactStore } from '../store/artifact-store.js';
import { MemoryBlobBucket } from '../store/blob-bucket.js';
import { ObjectStoreImageLoader } from './object-store-loader.js';

const bytes = new TextEncoder().encode('\0asm pretend component');
const digest = artifactDigest(bytes);

/** A store whose every read fails, as one behind a cut leaf does. */
class UnreachableStore implements ArtifactStore {
  reads = 0;
  push(): never {
    throw new Error('unreachable');
  }
  async resolveTag(): Promise<string | null> {
    this.reads++;
    throw new Error('no responders');
  }
  async fetch(): Promise<Uint8Array | null> {
    this.reads++;
    throw new Error('no responders');
  }
}

describe('nats:// image loader over an in-memory artifact store', () => {
  let dir: string;
  let n = 0;
  const cacheDir = (): string => join(dir, `cache-${n++}`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lattice-loader-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads by tag and by digest, and caches the verified bytes under their digest', async () => {
    const store = memoryArtifactStore();
    await store.push(bytes, { name: 'hello', tag: 'v1' });
    const cache = cacheDir();
    const loader = new ObjectStoreImageLoader({ store, cacheDir: cache });
    assert.deepEqual(await loader.load('nats://hello:v1', {}), bytes);
    assert.deepEqual(await loader.load(`nats://${digest}`, {}), bytes);
    assert.deepEqual(await loader.load(`nats://hello@${digest}`, {}), bytes);
    assert.equal(artifactDigest(await readFile(join(cache, 'blobs', `${digest.replace(':', '-')}.wasm`))), digest);
  });

  it('names what is missing: an unknown tag, a digest not stored, a bad reference', async () => {
    const loader = new ObjectStoreImageLoader({ store: memoryArtifactStore(), cacheDir: cacheDir() });
    await assert.rejects(loader.load('nats://hello:v1', {}), /no artifact tagged hello:v1 \(push it with: lattice push FILE --name hello:v1\)/);
    await assert.rejects(
      loader.load(`nats://${digest}`, {}),
      (e: unknown) => e instanceof ImageLoadError && /is not in the lattice's artifact store/.test(e.message),
    );
    await assert.rejects(loader.load('nats://Bad Name', {}), ImageLoadError);
  });

  it('refuses bytes that do not hash to their digest, and a tag that holds no digest, caching neither', async () => {
    const bucket = new MemoryBlobBucket('LATTICE_ARTIFACTS_default');
    const cache = cacheDir();
    const loader = new ObjectStoreImageLoader({ store: memoryArtifactStore('default', bucket), cacheDir: cache });
    await bucket.put(blobObjectName(digest), bytes.subarray(0, 4));
    await assert.rejects(
      loader.load(`nats://${digest}`, {}),
      (e: unknown) => e instanceof ImageLoadError && /4 bytes hash to sha256:[0-9a-f]{64}, expected/.test(e.message),
    );
    await assert.rejects(readFile(join(cache, 'blobs', `${digest.replace(':', '-')}.wasm`)), { code: 'ENOENT' });
    await bucket.put(tagObjectName('hello', 'v1'), new TextEncoder().encode('nonsense'));
    await assert.rejects(loader.load('nats://hello:v1', {}), /tag hello:v1 holds "nonsense", not a digest/);
  });

  it('fetches again when the cached file no longer matches its digest', async () => {
    const store = memoryArtifactStore();
    await store.push(bytes);
    const cache = cacheDir();
    const loader = new ObjectStoreImageLoader({ store, cacheDir: cache });
    await loader.load(`nats://${digest}`, {});
    const path = join(cache, 'blobs', `${digest.replace(':', '-')}.wasm`);
    await writeFile(path, bytes.subarray(1));
    assert.deepEqual(await loader.load(`nats://${digest}`, {}), bytes);
    assert.equal(artifactDigest(await readFile(path)), digest);
  });

  it('starts from the cache and the last known tag when the store cannot be reached', async () => {
    const store = memoryArtifactStore();
    await store.push(bytes, { name: 'hello', tag: 'v1' });
    const cache = cacheDir();
    assert.deepEqual(await new ObjectStoreImageLoader({ store, cacheDir: cache }).load('nats://hello:v1', {}), bytes);

    const unreachable = new UnreachableStore();
    const offline = new ObjectStoreImageLoader({ store: unreachable, cacheDir: cache });
    assert.deepEqual(await offline.load('nats://hello:v1', {}), bytes);
    assert.deepEqual(await offline.load(`nats://${digest}`, {}), bytes, 'a cached digest needs no store');
    assert.equal(unreachable.reads, 1, 'only the tag was asked for');
    await assert.rejects(offline.load('nats://never-seen:v1', {}), /artifact store unreachable and the tag was never resolved here \(no responders\)/);
    await assert.rejects(
      offline.load(`nats://${artifactDigest(new Uint8Array([1]))}`, {}),
      /cannot fetch sha256:[0-9a-f]{64} from the artifact store and it is not cached/,
    );
  });

  it('gives up on a store that does not answer within the fetch timeout', async () => {
    const hanging: ArtifactStore = {
      push: () => new Promise(() => {}),
      resolveTag: () => new Promise(() => {}),
      fetch: () => new Promise(() => {}),
    };
    const loader = new ObjectStoreImageLoader({ store: hanging, cacheDir: cacheDir(), fetchTimeoutMs: 50 });
    await assert.rejects(loader.load('nats://hello:v1', {}), /artifact store unreachable and the tag was never resolved here/);
  });
});
