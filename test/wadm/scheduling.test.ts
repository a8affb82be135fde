/**
 * The reconciler against real hosts: spread by weight over zones, daemons on every matching
 * host (also one that joins later), undeploy that removes only what the app created, a wadm
 * restart that changes nothing, and deploy answers that name what cannot be placed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManifestStore } from '../../wadm/store/mod.js';
import { EventRecorder } from '../kit/events.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { component, LATTICE, manifest, WadmLattice } from './lattice.js';

const sum = (m: Map<string, number>, ids: string[]) => ids.reduce((a, id) => a + (m.get(id) ?? 0), 0);

describe('wadm reconciler on a multi-host lattice', { timeout: 120_000 }, () => {
  let lattice: WadmLattice;
  let image: string;
  let edge: string[];
  let cloud: string[];

  before(async () => {
    [lattice, image] = await Promise.all([WadmLattice.start(), fixture('http-hello')]);
    for (const [name, zone] of [
      ['edge-1', 'edge'],
      ['edge-2', 'edge'],
      ['cloud-1', 'cloud'],
    ] as const) {
      await lattice.host(name, { zone, arch: 'x86_64' });
    }
    edge = lattice.hosts.slice(0, 2).map((h) => h.id);
    cloud = lattice.hosts.slice(2).map((h) => h.id);
    await lattice.wadm();
  });
  after(async () => lattice?.stop());

  it('spreads 10 instances 80/20 over zones: 8 on edge hosts, 2 on cloud', { timeout: 30_000 }, async () => {
    const spread = [
      { name: 'edge', requirements: { zone: 'edge' }, weight: 80 },
      { name: 'cloud', requirements: { zone: 'cloud' }, weight: 20 },
    ];
    const put = await lattice.client.put(manifest('spread', 'v1', [component('web', image, { type: 'spreadscaler', properties: { instances: 10, spread } })]));
    assert.ok(put.accepted, JSON.stringify(put.problems));
    const reply = await lattice.client.deploy('spread');
    assert.ok(reply.accepted);
    assert.deepEqual(reply.placement, []);
    await lattice.waitForState('spread', 'deployed');
    const placed = await lattice.placement('spread-web');
    assert.equal(sum(placed, edge), 8);
    assert.equal(sum(placed, cloud), 2);
    assert.deepEqual([...placed.values()].sort(), [2, 4, 4]);
    const status = await lattice.client.status('spread');
    assert.deepEqual(
      status.scalers.map((s) => [s.kind, s.state]),
      [
        ['spreadscaler', 'deployed'],
        ['config', 'deployed'],
      ],
    );
  });

  it('answers a deploy at once with what cannot be placed, and reports the app failed', { timeout: 20_000 }, async () => {
    const spread = [{ name: 'moon', requirements: { zone: 'moon' }, weight: 100 }];
    await lattice.client.put(manifest('lunar', 'v1', [component('web', image, { type: 'spreadscaler', properties: { instances: 2, spread } })]));
    const reply = await lattice.client.deploy('lunar');
    assert.equal(reply.accepted, true);
    assert.equal(reply.state, 'failed');
    assert.match(reply.placement[0]!.message, /no host matches zone=moon/);
    await lattice.waitForState('lunar', 'failed');
    assert.match((await lattice.client.status('lunar')).message, /zone=moon/);
    await lattice.client.del('lunar');
  });

  it("reports an app failed with the host's reason when its image cannot be loaded (retried with backoff)", { timeout: 30_000 }, async () => {
    const missing = 'file:///nonexistent/lattice-missing.wasm';
    await lattice.client.put(
      manifest('broken', 'v1', [
        component('web', missing, { type: 'spreadscaler', properties: { instances: 1, spread: [{ name: 'c', requirements: { zone: 'cloud' } }] } }),
      ]),
    );
    await lattice.client.deploy('broken');
    await lattice.waitForState('broken', 'failed', 20_000);
    const status = await lattice.client.status('broken');
    assert.match(status.message, /lattice-missing\.wasm/);
    const scaler = status.scalers.find((s) => s.kind === 'spreadscaler')!;
    assert.equal(scaler.state, 'failed');
    await lattice.client.del('broken');
    // Delete settles: once nothing of it runs, the record (kept hidden for the undeploy) is purged.
    const store = await ManifestStore.open(lattice.nc, LATTICE);
    await waitFor('the broken app to be purged', async () => (await store.record('broken')) === null);
  });

  it('runs a daemon on every edge host, and on an edge host that joins later', { timeout: 30_000 }, async () => {
    const daemon = { type: 'daemonscaler', properties: { instances: 1, spread: [{ name: 'edge', requirements: { zone: 'edge' } }] } };
    await lattice.client.put(manifest('daemon', 'v1', [component('agent', image, daemon)]));
    await lattice.client.deploy('daemon');
    await lattice.waitForState('daemon', 'deployed');
    let placed = await lattice.placement('daemon-agent');
    assert.deepEqual([...placed.keys()].sort(), [...edge].sort());

    const late = await lattice.host('edge-3', { zone: 'edge' });
    placed = await waitFor(
      'the daemon on the new edge host',
      async () => {
        const p = await lattice.placement('daemon-agent');
        return p.get(late.id) === 1 ? p : null;
      },
      { timeoutMs: 15_000 },
    );
    assert.deepEqual([...placed.keys()].sort(), [...edge, late.id].sort());
    assert.equal(sum(placed, cloud), 0);
  });

  it('a new version scales what changed and removes what it no longer declares', { timeout: 30_000 }, async () => {
    const link = { type: 'link', properties: { target: { name: 'worker' }, namespace: 'demo', package: 'jobs', interfaces: ['run'] } };
    const v1 = manifest('upgrade', 'v1', [
      component('front', image, { type: 'spreadscaler', properties: { instances: 2 } }, [link]),
      component('worker', image, { type: 'spreadscaler', properties: { instances: 2 } }),
    ]);
    await lattice.client.put(v1);
    await lattice.client.deploy('upgrade');
    await lattice.waitForState('upgrade', 'deployed');
    assert.ok((await lattice.ctl.getLinks()).some((l) => l.source_id === 'upgrade-front' && l.target === 'upgrade-worker'));

    const v2 = manifest('upgrade', 'v2', [component('front', image, { type: 'spreadscaler', properties: { instances: 5 } })]);
    await lattice.client.put(v2);
    const reply = await lattice.client.deploy('upgrade');
    assert.equal(reply.version, 'v2');
    await waitFor(
      'v2 to converge',
      async () => {
        const status = await lattice.client.status('upgrade');
        return status.version === 'v2' && status.state === 'deployed';
      },
      { timeoutMs: 20_000 },
    );
    const all = lattice.hosts.map((h) => h.id);
    assert.equal(sum(await lattice.placement('upgrade-front'), all), 5);
    assert.equal((await lattice.placement('upgrade-worker')).size, 0);
    assert.ok(!(await lattice.ctl.getLinks()).some((l) => l.source_id === 'upgrade-front'), 'the link v2 dropped is deleted');
    await lattice.client.del('upgrade');
  });

  it('undeploy removes everything the app created and nothing else', { timeout: 30_000 }, async () => {
    // Someone's own component and link, outside any manifest, on a host the app uses.
    await lattice.ctl.scaleComponent(edge[0]!, { component_id: 'by-hand', image_ref: image, count: 1 });
    await lattice.ctl.putConfig('hand-config', { key: 'v' });
    const app = manifest('linked', 'v1', [
      component('api', image, { type: 'spreadscaler', properties: { instances: 2 } }, [
        {
          type: 'link',
          properties: {
            target: { name: 'store', config: [{ name: 'store-cfg', properties: { bucket: 'b' } }] },
            namespace: 'wasi',
            package: 'keyvalue',
            interfaces: ['store'],
          },
        },
      ]),
      {
        name: 'store',
        type: 'capability',
        properties: { image: 'wasmcloud+builtin://keyvalue' },
        traits: [{ type: 'spreadscaler', properties: { instances: 1, spread: [{ name: 'c', requirements: { zone: 'cloud' } }] } }],
      },
    ]);
    await lattice.client.put(app);
    await lattice.client.deploy('linked');
    await lattice.waitForState('linked', 'deployed');
    assert.equal(sum(await lattice.placement('linked-api'), [...lattice.hosts.map((h) => h.id)]), 2);
    assert.ok((await lattice.ctl.getLinks()).some((l) => l.source_id === 'linked-api' && l.target === 'linked-store'));
    const link = (await lattice.ctl.getLinks()).find((l) => l.source_id === 'linked-api')!;
    const [inlineConfig] = link.target_config;
    assert.ok(inlineConfig && (await lattice.ctl.getConfig(inlineConfig)), 'the inline config exists');

    await lattice.client.undeploy('linked');
    await lattice.waitForState('linked', 'undeployed');
    assert.equal((await lattice.placement('linked-api')).size, 0);
    const inventories = await lattice.inventories();
    assert.ok(
      inventories.every((inv) => !inv.providers.some((p) => p.id === 'linked-store')),
      'the provider is stopped',
    );
    assert.ok(!(await lattice.ctl.getLinks()).some((l) => l.source_id === 'linked-api'), 'the link is deleted');
    assert.equal(await lattice.ctl.getConfig(inlineConfig), null, 'the inline config is deleted');
    // What the app did not create is still there, and the other apps are untouched.
    assert.equal((await lattice.placement('by-hand')).get(edge[0]!), 1);
    assert.deepEqual(await lattice.ctl.getConfig('hand-config'), { key: 'v' });
    assert.equal(
      sum(
        await lattice.placement('spread-web'),
        lattice.hosts.map((h) => h.id),
      ),
      10,
    );
  });

  it('a restarted wadm recovers from KV and sends nothing when the lattice is converged', { timeout: 30_000 }, async () => {
    await lattice.waitForState('spread', 'deployed');
    await lattice.waitForState('daemon', 'deployed');
    await lattice.wadms[0]!.stop();
    const recorder = await EventRecorder.start(lattice.nc, LATTICE);
    try {
      const { wadm } = await lattice.wadm();
      await waitFor('the new wadm to lead and run a round per app', () => wadm.leader && wadm.stats.rounds >= 4, { timeoutMs: 15_000 });
      // Two ticks (1 s each in tests) after taking over: still nothing sent.
      await new Promise((r) => setTimeout(r, 2_500));
      assert.equal(wadm.stats.commandsSent, 0);
      assert.deepEqual(recorder.of('component_scaled'), []);
      assert.equal((await lattice.client.status('spread')).state, 'deployed');
      assert.equal(
        sum(
          await lattice.placement('spread-web'),
          lattice.hosts.map((h) => h.id),
        ),
        10,
      );
    } finally {
      recorder.stop();
    }
  });
});
