import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { artifactDigest, blobObjectName, tagObjectName } from '../protocol/artifacts.js';
import { DamagedArtifactError, memoryArtifactStore } from './artifact-store.js';
import { MemoryBlobBucket } from './blob-bucket.js';

const bytes = new TextEncoder().encode('\0asm pretend component');

describe('artifact store over memory', () => {
  it('push stores the bytes once under their digest and points the tag at it', async () => {
    const bucket = new MemoryBlobBucket('LATTICE_ARTIFACTS_default');
    const store = memoryArtifactStore('default', bucket);
    const digest = artifactDigest(bytes);
    assert.deepEqual(await store.push(bytes, { name: 'hello', tag: 'v1' }), { digest, size: bytes.length, ref: 'nats://hello:v1', uploaded: true });
    const again = await store.push(bytes, { name: 'hello', tag: 'v2' });
    assert.equal(again.uploaded, false, 'the same bytes again only move a tag');
    assert.deepEqual(await store.push(bytes), { digest, size: bytes.length, ref: `nats://${digest}`, uploaded: false });
    assert.deepEqual(bucket.names(), [digest, tagObjectName('hello', 'v1'), tagObjectName('hello', 'v2')].sort());
  });

  it('resolves a tag to its digest and fetches the bytes by digest', async () => {
    const store = memoryArtifactStore();
    const { digest } = await store.push(bytes, { name: 'hello', tag: 'v1' });
    assert.equal(await store.resolveTag('hello', 'v1'), digest);
    assert.equal(await store.resolveTag('hello', 'v9'), null);
    assert.deepEqual(await store.fetch(digest), bytes);
    assert.equal(await store.fetch(artifactDigest(new Uint8Array([1]))), null);
  });

  it('refuses bytes that do not hash to the digest they are stored under, and a push replaces them', async () => {
    const bucket = new MemoryBlobBucket('LATTICE_ARTIFACTS_default');
    const store = memoryArtifactStore('default', bucket);
    const digest = artifactDigest(bytes);
    await bucket.put(blobObjectName(digest), bytes.subarray(0, 5)); // what a cut transfer leaves
    await assert.rejects(
      store.fetch(digest),
      (e: unknown) => e instanceof DamagedArtifactError && e.object === digest && /5 bytes hash to sha256:[0-9a-f]{64}, expected/.test(e.message),
    );
    assert.equal((await store.push(bytes)).uploaded, true);
    assert.deepEqual(await store.fetch(digest), bytes);
  });

  it('refuses a tag object that holds no digest', async () => {
    const bucket = new MemoryBlobBucket('LATTICE_ARTIFACTS_default');
    await bucket.put(tagObjectName('hello', 'v1'), new TextEncoder().encode('latest please'));
    await assert.rejects(
      memoryArtifactStore('default', bucket).resolveTag('hello', 'v1'),
      (e: unknown) => e instanceof DamagedArtifactError && /not a digest/.test(e.message),
    );
  });
});
