import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { ControlError } from '../../protocol/errors.js';
import { encodeJson, decodeJson } from '../../protocol/codec.js';
import { wadm } from '../../protocol/subjects.js';
import { createWadmClient, type WadmClient } from '../../protocol/wadm-client.js';
import { startWadmApi, type WadmApi } from '../../wadm/api/mod.js';
import type { LatticeState } from '../../wadm/scalers/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { fixture as load } from './manifest-files.js';

const lattice: LatticeState = {
  hosts: [
    { id: 'edge-1', labels: { zone: 'edge' }, components: [], providers: [] },
    { id: 'cloud-1', labels: { zone: 'cloud' }, components: [], providers: [] },
  ],
  links: [],
  configs: {},
};

function moonApp(): Record<string, unknown> {
  return {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name: 'lunar', annotations: { version: 'v1' } },
    spec: {
      components: [
        {
          name: 'web',
          type: 'component',
          properties: { image: 'file://web.wasm' },
          traits: [
            {
              type: 'spreadscaler',
              properties: {
                instances: 10,
                spread: [
                  { name: 'earth', requirements: { zone: 'edge' }, weight: 80 },
                  { name: 'moon', requirements: { zone: 'moon' }, weight: 20 },
                ],
              },
            },
          ],
        },
      ],
    },
  };
}

describe('wadm API over NATS', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let nc2: NatsConnection;
  let api: WadmApi;
  let second: WadmApi;
  let client: WadmClient;

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    api = await startWadmApi({ nc, lattice: 'api-test', observe: async () => lattice });
    // A second wadm on the same lattice shares the queue group and the KV buckets.
    nc2 = await connect({ servers: server.url });
    second = await startWadmApi({ nc: nc2, lattice: 'api-test', observe: async () => lattice });
    client = createWadmClient(nc, 'api-test', { timeoutMs: 5_000 });
  });
  after(async () => {
    await api.stop();
    await second.stop();
    await nc.close();
    await nc2.close();
    await server.dispose();
  });

  it('rejects an invalid manifest with every problem as data', async () => {
    const r = await client.put(load('invalid', 'linkdef-typo.yaml'));
    assert.equal(r.accepted, false);
    const paths = r.problems.filter((p) => p.level === 'error').map((p) => p.path);
    assert.ok(paths.includes('spec.components[0].traits[1].type'));
    assert.ok(paths.includes('spec.components[0].traits[1].properties.target'));
  });

  it('stores, lists, gets, versions, deploys, reports status, undeploys and deletes', async () => {
    const put = await client.put(load('valid', 'http-counter.yaml'));
    assert.deepEqual([put.accepted, put.name, put.version, put.created], [true, 'http-counter', 'v0.0.1', true]);
    let list = await client.list();
    assert.deepEqual(
      list.map((a) => [a.name, a.latest_version, a.deployed_version, a.state]),
      [['http-counter', 'v0.0.1', null, 'undeployed']],
    );
    const got = await client.get('http-counter');
    assert.equal((got.manifest as { metadata: { name: string } }).metadata.name, 'http-counter');
    assert.deepEqual(
      (await client.versions('http-counter')).map((v) => [v.version, v.deployed]),
      [['v0.0.1', false]],
    );

    const deployed = await client.deploy('http-counter');
    assert.deepEqual([deployed.accepted, deployed.version, deployed.state, deployed.placement], [true, 'v0.0.1', 'reconciling', []]);
    const status = await client.status('http-counter');
    assert.equal(status.version, 'v0.0.1');
    assert.equal(status.state, 'reconciling');
    assert.ok(status.scalers.some((s) => s.kind === 'spreadscaler' && s.component === 'counter'));
    list = await client.list();
    assert.equal(list[0]!.deployed_version, 'v0.0.1');

    assert.deepEqual(await client.undeploy('http-counter'), { name: 'http-counter', undeployed: true });
    assert.deepEqual(await client.del('http-counter'), { deleted: ['v0.0.1'], undeployed: false });
    await assert.rejects(client.get('http-counter'), (e: unknown) => e instanceof ControlError && /not found/.test(e.message));
  });

  it('answers a deploy at once with what cannot be placed, and publishes the status', async () => {
    assert.ok((await client.put(moonApp())).accepted);
    const watch = client.watchStatus('lunar');
    const first = watch.updates.next();
    const r = await client.deploy('lunar');
    assert.equal(r.accepted, true);
    assert.equal(r.state, 'failed');
    assert.equal(r.placement.length, 1);
    assert.match(r.placement[0]!.message, /spread "moon" needs 2 instance\(s\) but no host matches zone=moon/);
    const published = await first;
    watch.unsubscribe();
    assert.equal(published.value?.state, 'failed');
    assert.equal((await client.status('lunar')).state, 'failed');
  });

  it('refuses to deploy a reference to a shared application that is not deployed', async () => {
    assert.ok((await client.put(load('valid', 'storefront.yaml'))).accepted);
    const refused = await client.deploy('storefront');
    assert.equal(refused.accepted, false);
    assert.ok(refused.problems.some((p) => /shared application "edge-gateway" is not deployed/.test(p.message)));
    assert.ok((await client.put(load('valid', 'edge-gateway.yaml'))).accepted);
    assert.ok((await client.deploy('edge-gateway')).accepted);
    const ok = await client.deploy('storefront');
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.accepted, true);
  });

  it('names unknown applications, versions and operations, and bad bodies', async () => {
    await assert.rejects(client.deploy('nope'), /application "nope" not found/);
    await assert.rejects(client.deploy('lunar', 'v7'), /has no version "v7"/);
    await assert.rejects(client.versions('nope'), /not found/);
    const unknown = await nc.request(wadm.model('api-test', 'explode'), encodeJson({}), { timeout: 5_000 });
    assert.match(JSON.stringify(decodeJson(unknown.data)), /unknown wadm operation/);
    const bad = await nc.request(wadm.model('api-test', 'deploy', 'lunar'), encodeJson({ version: 7 }), { timeout: 5_000 });
    assert.match(JSON.stringify(decodeJson(bad.data)), /bad request: version/);
  });
});

describe('wadm API asking the hosts itself', () => {
  it('reports that nothing can be placed on a lattice without hosts', async () => {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    const api = await startWadmApi({ nc, lattice: 'empty' });
    try {
      const client = createWadmClient(nc, 'empty');
      assert.ok((await client.put(load('valid', 'greeter.yaml'))).accepted);
      const r = await client.deploy('greeter');
      assert.equal(r.state, 'failed');
      assert.deepEqual(r.placement.map((p) => p.component).sort(), ['greeter', 'web']);
      assert.match(r.placement[0]!.message, /no host matches \(any host\)/);
    } finally {
      await api.stop();
      await nc.close();
      await server.dispose();
    }
  });
});

describe('wadm API when the lattice cannot be observed', () => {
  it('still records the deploy and says so', async () => {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    const api = await startWadmApi({
      nc,
      lattice: 'blind',
      observe: async () => {
        throw new Error('observer down');
      },
    });
    try {
      const client = createWadmClient(nc, 'blind');
      assert.ok((await client.put(load('valid', 'greeter.yaml'))).accepted);
      const r = await client.deploy('greeter');
      assert.deepEqual([r.accepted, r.state, r.placement], [true, 'reconciling', []]);
      assert.equal((await client.list())[0]!.deployed_version, r.version);
    } finally {
      await api.stop();
      await nc.close();
      await server.dispose();
    }
  });
});
