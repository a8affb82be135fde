import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { ControlError, createControlClient, type ComponentDescription } from '../../protocol/mod.js';
import { LabelError, type Host } from '../../host/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { startTestHost, stopHosts } from '../kit/hosts.js';
import { EventRecorder } from '../kit/events.js';

let server: NatsServer;
let nc: NatsConnection;
let host: Host;

before(async () => {
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
  host = await startTestHost(server.url, { labels: { zone: 'edge' }, labelEnv: { LATTICE_LABEL_rack: 'r7', OTHER: 'x' } });
});

after(async () => {
  await stopHosts([host]);
  await nc?.close();
  await server?.dispose();
});

function component(id: string, maxInstances: number): ComponentDescription {
  return { id, image_ref: `file:///components/${id}.wasm`, annotations: { app: 'demo' }, max_instances: maxInstances, revision: 0 };
}

test('labels come from options and LATTICE_LABEL_* and include the built-ins', async () => {
  const ctl = createControlClient(nc, 'default');
  const [info] = await ctl.pingHosts({ timeoutMs: 500 });
  assert.equal(info?.labels.zone, 'edge');
  assert.equal(info?.labels.rack, 'r7');
  assert.equal(info?.labels.OTHER, undefined);
  assert.equal(info?.labels['hostcore.osfamily'], process.platform === 'win32' ? 'windows' : 'unix');
});

test('inventory mutations round-trip through the control interface and host_inventory events', { timeout: 20_000 }, async () => {
  const ctl = createControlClient(nc, 'default');
  const events = await EventRecorder.start(nc, 'default');
  const before = (await ctl.getInventory(host.id)).revision;

  host.inventory.upsertComponent(component('echo', 4));
  host.inventory.upsertComponent(component('counter', 2));
  host.inventory.upsertProvider({ id: 'kv-memory', image_ref: 'builtin:keyvalue-memory', annotations: {}, revision: 0, mode: 'builtin' });

  const inventory = await ctl.getInventory(host.id);
  assert.ok(inventory.revision > before, 'revision moved');
  assert.deepEqual(
    inventory.components.map((c) => c.id),
    ['counter', 'echo'],
  );
  assert.deepEqual(
    inventory.components.find((c) => c.id === 'echo'),
    component('echo', 4),
  );
  assert.deepEqual(
    inventory.providers.map((p) => p.id),
    ['kv-memory'],
  );

  const published = await events.waitFor('host_inventory', {
    source: host.id,
    match: (e) => e.data.revision === inventory.revision && e.data.components.length === 2,
  });
  assert.deepEqual(published.data.components, inventory.components);
  const beat = await events.waitFor('host_heartbeat', { source: host.id, match: (e) => e.data.revision === inventory.revision });
  assert.deepEqual(beat.data.counts, { components: 2, providers: 1, instances: 6 });

  const revision = host.inventory.revision;
  host.inventory.upsertComponent(component('echo', 4));
  assert.equal(host.inventory.revision, revision, 'an unchanged upsert does not bump the revision');
  assert.equal(host.inventory.removeComponent('echo'), true);
  assert.equal(host.inventory.removeComponent('echo'), false);
  assert.deepEqual(
    (await ctl.getInventory(host.id)).components.map((c) => c.id),
    ['counter'],
  );
  events.stop();
});

test('labels are put and deleted at run time; built-in ones are refused', { timeout: 20_000 }, async () => {
  const ctl = createControlClient(nc, 'default');
  const events = await EventRecorder.start(nc, 'default');

  await ctl.putLabel(host.id, 'gpu', 'yes');
  const changed = await events.waitFor('labels_changed', { source: host.id, match: (e) => e.data.labels.gpu === 'yes' });
  assert.equal(changed.data.labels.zone, 'edge');
  assert.equal((await ctl.pingHosts({ timeoutMs: 500 }))[0]?.labels.gpu, 'yes');
  assert.equal((await ctl.getInventory(host.id)).labels.gpu, 'yes');

  await ctl.deleteLabel(host.id, 'gpu');
  await events.waitFor('labels_changed', { source: host.id, match: (e) => e.data.labels.gpu === undefined });
  assert.equal((await ctl.pingHosts({ timeoutMs: 500 }))[0]?.labels.gpu, undefined);

  const arch = host.labels.get('hostcore.arch');
  await assert.rejects(ctl.putLabel(host.id, 'hostcore.arch', 'sparc'), (e: unknown) => e instanceof ControlError && /built in/.test(e.message));
  await assert.rejects(ctl.deleteLabel(host.id, 'hostcore.os'), (e: unknown) => e instanceof ControlError && /built in/.test(e.message));
  assert.equal((await ctl.pingHosts({ timeoutMs: 500 }))[0]?.labels['hostcore.arch'], arch);
  events.stop();
});

test('a reserved label at start is refused with a LabelError', async () => {
  await assert.rejects(startTestHost(server.url, { labels: { 'hostcore.os': 'plan9' } }), LabelError);
  await assert.rejects(startTestHost(server.url, { labels: { 'bad key': 'x' } }), LabelError);
});
