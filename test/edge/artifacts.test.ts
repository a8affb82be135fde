/**
 * Artifacts without a registry: `lattice push` into the lattice's object store, hosts loading
 * `nats://name:tag`, the digest-checked disk cache (corruption detected and refetched, truncated
 * downloads refused) and starting from the cache when the store cannot be reached.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type { Host } from '../../host/mod.js';
import { ImageLoadError } from '../../runtime/errors.js';
import { ObjectStoreImageLoader } from '../../host/object-store-loader.js';
import { artifactDigest, blobObjectName } from '../../protocol/artifacts.js';
import { artifactBucket, openArtifactStore } from '../../store/artifact-store.js';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import { CLI_MAIN, startTestHost } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { fixture } from '../runtime/helpers.js';

const run = promisify(execFile);

describe('artifacts in the lattice object store', { timeout: 120_000 }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let ctl: ControlClient;
  let host: Host;
  let dataDir: string;
  let wasmPath: string;
  let bytes: Uint8Array;

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    ctl = createControlClient(nc, 'default', { timeoutMs: 30_000 });
    dataDir = await mkdtemp(join(tmpdir(), 'lattice-artifacts-'));
    wasmPath = fileURLToPath(await fixture('http-hello'));
    bytes = new Uint8Array(await readFile(wasmPath));
    host = await startTestHost(server.url, { name: 'edge', dataDir: join(dataDir, 'host'), runtime: { poolSize: 1 } });
  });

  after(async () => {
    await host?.stop({ timeoutMs: 2_000 });
    await nc?.close();
    await server?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lattice push stores a component by digest and name:tag; a host runs nats://name:tag from it', async () => {
    const { stdout } = await run(process.execPath, [CLI_MAIN, '--nats-url', server.url, '-o', 'json', 'push', wasmPath, '--name', 'hello:v1'], {
      timeout: 30_000,
    });
    const pushed = JSON.parse(stdout) as { digest: string; ref: string; size: number; uploaded: boolean };
    assert.equal(pushed.digest, artifactDigest(bytes));
    assert.equal(pushed.ref, 'nats://hello:v1');
    assert.equal(pushed.size, bytes.length);
    assert.equal(pushed.uploaded, true);

    // Pushing the same bytes again only moves the tag.
    const again = JSON.parse(
      (await run(process.execPath, [CLI_MAIN, '--nats-url', server.url, '-o', 'json', 'push', wasmPath, '--name', 'hello:v2'], { timeout: 30_000 })).stdout,
    ) as { uploaded: boolean };
    assert.equal(again.uploaded, false);

    await ctl.scaleComponent(host.id, { component_id: 'hello', image_ref: 'nats://hello:v1', count: 1 });
    const inv = await ctl.getInventory(host.id);
    assert.deepEqual(
      inv.components.map((c) => [c.id, c.image_ref]),
      [['hello', 'nats://hello:v1']],
    );
    const cached = await readFile(join(dataDir, 'host', 'cache', 'artifacts', 'blobs', `${pushed.digest.replace(':', '-')}.wasm`));
    assert.equal(artifactDigest(cached), pushed.digest);
  });

  it('refuses a file that is not a component, and a bad name, with one clear line', async () => {
    const notWasm = join(dataDir, 'not.wasm');
    await writeFile(notWasm, 'hello');
    const bad = await run(process.execPath, [CLI_MAIN, '--nats-url', server.url, 'push', notWasm], { timeout: 30_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal((bad as { code: number }).code, 1);
    assert.match((bad as { stderr: string }).stderr, /not a component/);
    const badName = await run(process.execPath, [CLI_MAIN, '--nats-url', server.url, 'push', wasmPath, '--name', 'Bad Name:x'], { timeout: 30_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal((badName as { code: number }).code, 2, 'a bad --name is a usage error');
    assert.match((badName as { stderr: string }).stderr, /name "Bad Name" must be/);
  });

  it('detects a corrupted cache file and fetches the artifact again', async () => {
    const digest = artifactDigest(bytes);
    const path = join(dataDir, 'host', 'cache', 'artifacts', 'blobs', `${digest.replace(':', '-')}.wasm`);
    await writeFile(path, bytes.subarray(0, bytes.length - 100)); // truncated on disk
    await ctl.updateComponent(host.id, { component_id: 'hello', new_image_ref: `nats://${digest}` });
    const inv = await ctl.getInventory(host.id);
    assert.equal(inv.components[0]?.image_ref, `nats://${digest}`);
    assert.equal(artifactDigest(await readFile(path)), digest, 'the cache file holds the verified bytes again');
  });

  it('refuses a download whose bytes do not match the digest, and never caches it', async () => {
    const store = await openArtifactStore(nc, 'default');
    const other = new Uint8Array(bytes);
    other[other.length - 1] ^= 0xff;
    const digest = artifactDigest(other);
    // The object named by the digest holds truncated bytes: what a cut transfer would leave.
    await artifactBucket(nc, 'default').put(blobObjectName(digest), other.subarray(0, 1000));
    const cacheDir = join(dataDir, 'loader-bad');
    const loader = new ObjectStoreImageLoader({ nc, lattice: 'default', cacheDir, fetchTimeoutMs: 10_000 });
    await assert.rejects(
      loader.load(`nats://${digest}`, {}),
      (e: unknown) => e instanceof ImageLoadError && /1000 bytes hash to sha256:[0-9a-f]{64}, expected/.test(e.message),
    );
    // Pushed again in full, the same reference loads.
    await store.push(other);
    assert.equal(artifactDigest(await loader.load(`nats://${digest}`, {})), digest);
  });

  it('starts from the cache when the artifact store cannot be reached', async () => {
    const own = await NatsServer.start();
    const ownNc = await connect({ servers: own.url, reconnectTimeWait: 100 });
    try {
      await (await openArtifactStore(ownNc, 'default')).push(bytes, { name: 'offline', tag: 'v1' });
      const loader = new ObjectStoreImageLoader({ nc: ownNc, lattice: 'default', cacheDir: join(dataDir, 'loader-offline'), fetchTimeoutMs: 2_000 });
      assert.equal(artifactDigest(await loader.load('nats://offline:v1', {})), artifactDigest(bytes));
      await own.stop(); // the store is gone; the connection keeps trying to reconnect
      assert.equal(artifactDigest(await loader.load('nats://offline:v1', {})), artifactDigest(bytes));
      await assert.rejects(loader.load('nats://never-seen:v1', {}), /artifact store unreachable and the tag was never resolved here/);
    } finally {
      await ownNc.close();
      await own.dispose();
    }
  });
});
