/**
 * OCI images end to end against a real registry (docker-registry on loopback, no auth): `lattice
 * push oci://`, hosts pulling tags and pinned digests through one shared cache, the older
 * wasmCloud media types, and every pull failure as a clear scale error that leaves the host up.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { MEDIA, RegistryClient, sha256Digest } from '../../lib/oci/mod.js';
import { CLI_MAIN } from '../kit/hosts.js';
import { EventRecorder } from '../kit/events.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { TestRegistry } from '../kit/registry.js';
import { fixture } from '../runtime/helpers.js';
import { runCli } from '../cli/run-cli.js';
import { startWadm, type Wadm } from '../../wadm/mod.js';

const run = promisify(execFile);

describe('OCI images from a registry', { timeout: 180_000 }, () => {
  let lattice: TestLattice;
  let registry: TestRegistry;
  let events: EventRecorder;
  let helloPath: string;
  let manifestDigest: string;
  let cacheDir: string;

  before(async () => {
    registry = await TestRegistry.start();
    lattice = await startTestLattice({ hosts: 0 });
    cacheDir = join(lattice.dataDir, 'oci-cache');
    const oci = { cacheDir, insecureRegistries: [registry.host], credentials: async () => null };
    await lattice.addHost({ name: 'a', oci, labels: { registry: 'reachable' } });
    await lattice.addHost({ name: 'b', oci, labels: { registry: 'reachable' } });
    await lattice.addHost({ name: 'strict', oci: { cacheDir: join(lattice.dataDir, 'strict-cache'), credentials: async () => null } });
    events = await EventRecorder.start(lattice.nc, 'default');
    helloPath = fileURLToPath(await fixture('http-hello'));
  });

  after(async () => {
    events?.stop();
    await lattice?.dispose();
    await registry?.dispose();
  });

  const scale = (host: number, id: string, image: string) =>
    lattice.ctl.scaleComponent(lattice.hosts[host]!.id, { component_id: id, image_ref: image, count: 1 }, { timeoutMs: 60_000 });

  it('lattice push oci:// publishes the Wasm OCI artifact layout', async () => {
    const { stdout } = await run(process.execPath, [CLI_MAIN, '-o', 'json', 'push', `oci://${registry.host}/lattice/hello:v1`, helloPath, '--insecure'], {
      timeout: 60_000,
    });
    const pushed = JSON.parse(stdout) as { ref: string; manifest_digest: string; digest: string; size: number };
    const bytes = new Uint8Array(await readFile(helloPath));
    assert.equal(pushed.ref, `${registry.host}/lattice/hello:v1`);
    assert.equal(pushed.digest, sha256Digest(bytes));
    manifestDigest = pushed.manifest_digest;
    const response = await fetch(`http://${registry.host}/v2/lattice/hello/manifests/v1`, { headers: { accept: MEDIA.ociManifest } });
    const manifest = (await response.json()) as { config: { mediaType: string; digest: string }; layers: Array<{ mediaType: string; digest: string }> };
    assert.equal(manifest.config.mediaType, 'application/vnd.wasm.config.v0+json');
    assert.deepEqual(
      manifest.layers.map((l) => [l.mediaType, l.digest]),
      [['application/wasm', pushed.digest]],
    );
    const config = (await (await fetch(`http://${registry.host}/v2/lattice/hello/blobs/${manifest.config.digest}`)).json()) as Record<string, unknown>;
    assert.equal(config.architecture, 'wasm');
    assert.equal(config.os, 'wasip2');
    assert.deepEqual(config.layerDigests, [pushed.digest]);
  });

  it('lattice inspect REGISTRY/REPO:TAG pulls the image and shows it; plain HTTP only when allowed', async () => {
    const image = `${registry.host}/lattice/hello:v1`;
    const env = { LATTICE_DATA_DIR: join(lattice.dataDir, 'inspect-home') };
    const r = await runCli(['-o', 'json', 'inspect', image, '--insecure'], env);
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout) as { digest: string; kind: string; exports: Array<{ name: string }> };
    assert.equal(shown.digest, sha256Digest(new Uint8Array(await readFile(helloPath))));
    assert.equal(shown.kind, 'component');
    assert.deepEqual(
      shown.exports.map((e) => e.name),
      ['wasi:http/incoming-handler'],
    );
    const pinned = await runCli(['-o', 'json', 'inspect', `oci://${registry.host}/lattice/hello@${manifestDigest}`], {
      ...env,
      LATTICE_INSECURE_REGISTRIES: registry.host,
    });
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal((JSON.parse(pinned.stdout) as { digest: string }).digest, shown.digest);
    const refused = await runCli(['inspect', `${registry.host}/lattice/other:v1`], { LATTICE_DATA_DIR: join(lattice.dataDir, 'inspect-home-2') });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^error: pull of .* failed: registry .* cannot be reached at https:.*allowed as insecure.*--insecure on push and inspect\)\n$/,
    );
  });

  it('a host runs REGISTRY/REPO:TAG and keeps the layer in the shared cache', async () => {
    await scale(0, 'hello', `${registry.host}/lattice/hello:v1`);
    const inv = await lattice.ctl.getInventory(lattice.hosts[0]!.id);
    assert.deepEqual(
      inv.components.map((c) => c.image_ref),
      [`${registry.host}/lattice/hello:v1`],
    );
    const digest = sha256Digest(new Uint8Array(await readFile(helloPath)));
    const cached = await readFile(join(cacheDir, 'blobs', 'sha256', digest.slice(7)));
    assert.equal(sha256Digest(cached), digest);
  });

  it('another host of the machine starts a pinned digest from the shared cache while the registry is down', async () => {
    await registry.stop();
    try {
      await scale(1, 'hello-pinned', `${registry.host}/lattice/hello@${manifestDigest}`);
      // A tag pulled before also still runs, from the last manifest it pointed at.
      await scale(1, 'hello-tag', `oci://${registry.host}/lattice/hello:v1`);
      // One never pulled here cannot, and says why.
      await assert.rejects(scale(1, 'other', `${registry.host}/lattice/other:v9`), /cannot be reached at http:\/\/127\.0\.0\.1/);
    } finally {
      await registry.restart();
    }
  });

  it('reports an unknown tag, an unknown digest, plain HTTP without opt-in: on the reply and as an event', async () => {
    const since = Date.now();
    await assert.rejects(scale(0, 'nope', `${registry.host}/lattice/hello:nope`), /no manifest tagged nope in 127\.0\.0\.1:\d+\/lattice\/hello/);
    const failed = await events.waitFor('component_scale_failed', { since, match: (e) => e.data.component_id === 'nope' });
    assert.match(failed.data.error, /no manifest tagged nope/);
    const missing = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(scale(0, 'nodigest', `${registry.host}/lattice/hello@${missing}`), /no manifest with digest sha256:0{64}/);
    await assert.rejects(scale(2, 'strict', `${registry.host}/lattice/hello:v1`), /HTTPS; a plain-HTTP registry must be allowed as insecure/);
    assert.ok((await lattice.ctl.pingHosts()).length === 3, 'every host is still up');
  });

  it('refuses a layer whose bytes do not match its digest, and never caches it', async () => {
    const echo = fileURLToPath(await fixture('echo'));
    const { stdout } = await run(process.execPath, [CLI_MAIN, '-o', 'json', 'push', `oci://${registry.host}/lattice/damaged:v1`, echo, '--insecure'], {
      timeout: 60_000,
    });
    const { digest } = JSON.parse(stdout) as { digest: string };
    const file = registry.blobFile(digest);
    const bytes = await readFile(file);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(file, bytes);
    await assert.rejects(
      scale(0, 'damaged', `${registry.host}/lattice/damaged:v1`),
      /downloaded layer is \d+ bytes hashing to sha256:[0-9a-f]{64}; the manifest says/,
    );
    await assert.rejects(stat(join(cacheDir, 'blobs', 'sha256', digest.slice(7))), /ENOENT/);
  });

  it("runs components pushed with wasmCloud's older media types", async () => {
    const bytes = new Uint8Array(await readFile(helloPath));
    const client = new RegistryClient({ insecure: [registry.host] });
    const upload = async (data: Uint8Array) => {
      const digest = sha256Digest(data);
      const start = await client.request(registry.host, 'legacy/hello', 'push,pull', 'blobs/uploads/', { method: 'POST' });
      const url = new URL(start.headers.get('location')!, `http://${registry.host}/`);
      url.searchParams.set('digest', digest);
      const put = await client.request(registry.host, 'legacy/hello', 'push,pull', url.href, { method: 'PUT', body: data });
      assert.equal(put.status, 201);
      return { digest, size: data.length };
    };
    const layer = await upload(bytes);
    const config = await upload(new TextEncoder().encode('{}'));
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.legacyWasmConfig, ...config },
      layers: [{ mediaType: MEDIA.legacyWasmLayer, ...layer }],
    };
    const put = await client.request(registry.host, 'legacy/hello', 'push,pull', 'manifests/0.1.0', {
      method: 'PUT',
      headers: { 'content-type': MEDIA.ociManifest },
      body: JSON.stringify(manifest),
    });
    assert.equal(put.status, 201);
    await scale(0, 'legacy', `${registry.host}/legacy/hello:0.1.0`);
  });

  it('a wadm manifest names a registry image; the spread lands on hosts that may reach it', async () => {
    let wadm: Wadm | undefined;
    try {
      wadm = await startWadm({ nc: lattice.nc, lattice: 'default' });
      const manifest = join(lattice.dataDir, 'oci-app.yaml');
      await writeFile(
        manifest,
        [
          'apiVersion: core.oam.dev/v1beta1',
          'kind: Application',
          'metadata:',
          '  name: oci-app',
          '  annotations: { version: v1 }',
          'spec:',
          '  components:',
          '    - name: web',
          '      type: component',
          `      properties: { image: "${registry.host}/lattice/hello:v1" }`,
          '      traits:',
          '        - type: spreadscaler',
          '          properties: { instances: 2, spread: [{ name: reachable, requirements: { registry: reachable } }] }',
        ].join('\n'),
      );
      const deployed = await runCli(['--nats-url', lattice.server.url, 'app', 'deploy', manifest], {}, 90_000);
      assert.equal(deployed.code, 0, deployed.stderr);
      const images = (await Promise.all(lattice.hosts.slice(0, 2).map((h) => lattice.ctl.getInventory(h.id))))
        .flatMap((inv) => inv.components)
        .filter((c) => c.image_ref === `${registry.host}/lattice/hello:v1` && c.annotations['wasmcloud.dev/appspec'] === 'oci-app');
      assert.ok(images.length >= 1, "the manifest's component runs from the registry image");
    } finally {
      await wadm?.stop();
    }
  });

  it("start provider: wasmCloud's provider names stay builtin; a component image is refused with the reason", async () => {
    const host = lattice.hosts[0]!.id;
    await lattice.ctl.startProvider(host, { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0' });
    const inv = await lattice.ctl.getInventory(host);
    assert.deepEqual(
      inv.providers.map((p) => [p.id, p.mode]),
      [['http', 'builtin']],
    );
    await assert.rejects(
      lattice.ctl.startProvider(host, { provider_id: 'odd', provider_ref: `${registry.host}/lattice/hello:v1` }),
      /is a Wasm component, not a provider/,
    );
    await assert.rejects(lattice.ctl.startProvider(host, { provider_id: 'gone', provider_ref: `${registry.host}/lattice/none:v1` }), /no manifest tagged v1/);
    // A wasmCloud provider archive (native binaries) is named as such.
    const client = new RegistryClient({ insecure: [registry.host] });
    const par = new TextEncoder().encode('not really a provider archive');
    const start = await client.request(registry.host, 'providers/native', 'push,pull', 'blobs/uploads/', { method: 'POST' });
    const url = new URL(start.headers.get('location')!, `http://${registry.host}/`);
    url.searchParams.set('digest', sha256Digest(par));
    assert.equal((await client.request(registry.host, 'providers/native', 'push,pull', url.href, { method: 'PUT', body: par })).status, 201);
    const manifest = {
      schemaVersion: 2,
      config: { mediaType: MEDIA.providerArchiveConfig, digest: sha256Digest(par), size: par.length },
      layers: [{ mediaType: MEDIA.providerArchiveLayer, digest: sha256Digest(par), size: par.length }],
    };
    const put = await client.request(registry.host, 'providers/native', 'push,pull', 'manifests/0.1.0', {
      method: 'PUT',
      headers: { 'content-type': MEDIA.ociManifest },
      body: JSON.stringify(manifest),
    });
    assert.equal(put.status, 201);
    await assert.rejects(
      lattice.ctl.startProvider(host, { provider_id: 'native', provider_ref: `${registry.host}/providers/native:0.1.0` }),
      /is a wasmCloud provider archive \(native binaries for wasmCloud's host\), which this host cannot run/,
    );
  });
});
