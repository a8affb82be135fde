/**
 * Leaf-node topology: a hub (JetStream domain `hub`) and a leaf (domain `edge`). wadm, the control
 * client and a cloud host use the hub; the edge host connects to the leaf and keeps the lattice's
 * buckets in the hub's domain (`jsDomain: 'hub'`). Deploys reach the edge host, a link crosses the
 * hop, config and links are readable from the edge, and nats:// artifacts pushed at the hub load there.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type { Host } from '../../host/mod.js';
import { openArtifactStore } from '../../store/artifact-store.js';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { startWadm, type Wadm } from '../../wadm/mod.js';
import { ManifestStore } from '../../wadm/store/mod.js';
import { startTestHost } from '../kit/hosts.js';
import { startHubAndLeaves, type NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

describe('hosts on a leaf node', { timeout: 120_000 }, () => {
  let hub: NatsServer;
  let leaf: NatsServer;
  let nc: NatsConnection;
  let ctl: ControlClient;
  let wadm: Wadm;
  let cloud: Host;
  let edge: Host;
  let dataDir: string;

  before(async () => {
    const servers = await startHubAndLeaves(1);
    hub = servers.hub;
    leaf = servers.leaves[0] as NatsServer;
    nc = await connect({ servers: hub.url });
    ctl = createControlClient(nc, 'default', { timeoutMs: 20_000 });
    dataDir = await mkdtemp(join(tmpdir(), 'lattice-leaf-'));
    cloud = await startTestHost(hub.url, { name: 'cloud', labels: { zone: 'cloud' }, dataDir: join(dataDir, 'cloud'), runtime: { poolSize: 1 } });
    edge = await startTestHost(leaf.url, { name: 'edge', labels: { zone: 'edge' }, jsDomain: 'hub', dataDir: join(dataDir, 'edge'), runtime: { poolSize: 1 } });
    // Interest crosses the leaf connection a few ms late: wait until the hub sees the edge host.
    await waitFor('the edge host to answer through the hub', async () => (await ctl.pingHosts({ timeoutMs: 300 })).some((h) => h.id === edge.id));
    wadm = await startWadm({ nc, lattice: 'default', tickMs: 1_000 });
  });

  after(async () => {
    await wadm?.stop().catch(() => undefined);
    await Promise.all([cloud?.stop({ timeoutMs: 2_000 }), edge?.stop({ timeoutMs: 2_000 })]);
    await nc?.close();
    await Promise.all([leaf?.dispose(), hub?.dispose()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps one set of lattice buckets, in the hub domain: config and links written at the hub are read at the edge', async () => {
    await ctl.putConfig('edge-settings', { greeting: 'hi' });
    await ctl.putLink({ source_id: 'a', target: 'b', wit_namespace: 'x', wit_package: 'y', interfaces: ['z'] });
    assert.deepEqual(await edge.config.get('edge-settings'), { greeting: 'hi' });
    assert.deepEqual(
      (await edge.links.list()).map((l) => [l.source_id, l.target]),
      [['a', 'b']],
    );
    const live = await edge.config.live();
    await ctl.putConfig('edge-settings', { greeting: 'hello' });
    await waitFor("the edge host's live view to follow", () => live.get('edge-settings')?.greeting === 'hello');
    // Without the hub domain, a host on the leaf would open its own, empty copy in domain `edge`.
    const isolated = await startTestHost(leaf.url, { name: 'isolated', runtime: false, providers: false });
    try {
      assert.equal(await isolated.config.get('edge-settings'), null);
    } finally {
      await isolated.stop({ timeoutMs: 1_000 });
    }
    const leafNc = await connect({ servers: leaf.url });
    try {
      // That copy is the only lattice bucket in the leaf's domain; the edge host created none there.
      const jsmEdge = await leafNc.jetstreamManager({ domain: 'edge' });
      assert.equal((await jsmEdge.streams.info('KV_CONFIGDATA_default')).state.messages, 0);
      await jsmEdge.streams.delete('KV_CONFIGDATA_default');
      await jsmEdge.streams.delete('KV_LATTICEDATA_default');
      const names: string[] = [];
      const jsm = await leafNc.jetstreamManager({ domain: 'edge' });
      for await (const name of jsm.streams.names()) names.push(name);
      assert.deepEqual(
        names.filter((n) => n.includes('LATTICEDATA') || n.includes('CONFIGDATA')),
        [],
      );
    } finally {
      await leafNc.close();
      await ctl.deleteLink({ source_id: 'a', wit_namespace: 'x', wit_package: 'y' });
    }
  });

  it('wadm places a component on the edge host; the http-server on the hub side calls it across the hop', { timeout: 60_000 }, async () => {
    const image = await fixture('http-hello');
    const port = await freePort();
    const spread = (zone: string) => ({ type: 'spreadscaler', properties: { instances: 1, spread: [{ name: zone, requirements: { zone } }] } });
    const manifest = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'leafy', annotations: { version: 'v1' } },
      spec: {
        components: [
          { name: 'hello', type: 'component', properties: { image }, traits: [spread('edge')] },
          {
            name: 'ingress',
            type: 'capability',
            properties: { image: 'wasmcloud+builtin://http-server' },
            traits: [
              spread('cloud'),
              {
                type: 'link',
                properties: {
                  target: { name: 'hello' },
                  namespace: 'wasi',
                  package: 'http',
                  interfaces: ['incoming-handler'],
                  source: { config: [{ name: 'leafy-ingress', properties: { address: `127.0.0.1:${port}` } }] },
                },
              },
            ],
          },
        ],
      },
    };
    const client = createWadmClient(nc, 'default', { timeoutMs: 20_000 });
    assert.ok((await client.put(manifest)).accepted);
    assert.ok((await client.deploy('leafy')).accepted);
    const body = await waitFor(
      'the hub-side http-server to answer from the edge component',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/across`).catch(() => null);
        return res?.status === 200 ? res.text() : null;
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );
    assert.match(body, /hello/i);
    assert.deepEqual(
      (await ctl.getInventory(edge.id)).components.map((c) => c.id),
      ['leafy-hello'],
    );
    assert.deepEqual((await ctl.getInventory(cloud.id)).components, []);
    assert.deepEqual(
      (await edge.links.list()).filter((l) => l.target === 'leafy-hello').map((l) => l.source_id),
      ['leafy-ingress'],
    );
    await client.undeploy('leafy');
  });

  it('a wadm on the leaf, given the hub domain, sees the manifests stored at the hub (one set of buckets)', { timeout: 30_000 }, async () => {
    const client = createWadmClient(nc, 'default', { timeoutMs: 10_000 });
    const manifest = {
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'seen-from-leaf', annotations: { version: 'v1' } },
      spec: { components: [{ name: 'c', type: 'component', properties: { image: 'file:///nope.wasm' } }] },
    };
    assert.ok((await client.put(manifest)).accepted);
    const leafNc = await connect({ servers: leaf.url });
    const leafWadm = await startWadm({ nc: leafNc, lattice: 'default', jsDomain: 'hub', id: 'leaf-wadm' });
    try {
      // The leaf's own JetStream has no manifests; the hub's has the one just stored.
      const viaHub = await ManifestStore.open(leafNc, 'default', { domain: 'hub' });
      assert.ok((await viaHub.list()).some((a) => a.name === 'seen-from-leaf'));
      const local = await ManifestStore.open(leafNc, 'default');
      assert.ok(!(await local.list()).some((a) => a.name === 'seen-from-leaf'));
    } finally {
      await leafWadm.stop();
      await leafNc.close();
      await client.del('seen-from-leaf');
    }
  });

  it('an artifact pushed at the hub loads on the edge host as nats://name:tag', async () => {
    const bytes = new Uint8Array(await readFile(fileURLToPath(await fixture('http-hello'))));
    const pushed = await (await openArtifactStore(nc, 'default')).push(bytes, { name: 'hello', tag: 'edge' });
    await ctl.scaleComponent(edge.id, { component_id: 'from-hub', image_ref: pushed.ref, count: 1 });
    const inv = await ctl.getInventory(edge.id);
    assert.ok(inv.components.some((c) => c.id === 'from-hub' && c.image_ref === 'nats://hello:edge'));
    await ctl.scaleComponent(edge.id, { component_id: 'from-hub', image_ref: pushed.ref, count: 0 });
  });
});
