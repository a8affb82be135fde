import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from 'nats';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { EventRecorder } from '../kit/events.js';

let t: TestLattice;
let nc: NatsConnection;

before(async () => {
  t = await startTestLattice({ hosts: 0 });
  nc = t.nc;
});

after(() => t?.dispose());

test('heartbeats arrive at the configured interval and carry the host summary', { timeout: 30_000 }, async () => {
  const host = await t.addHost({ heartbeatIntervalMs: 200, labels: { zone: 'edge' } });
  const events = await EventRecorder.start(nc, 'default');
  const windowMs = 3_000;
  await new Promise((r) => setTimeout(r, windowMs));
  const beats = events.of('host_heartbeat', host.id);
  events.stop();
  // 15 expected; the bounds only rule out a wrong interval (e.g. the 1 s default, or a beat storm).
  assert.ok(beats.length >= 9 && beats.length <= 21, `expected about ${windowMs / 200} beats, got ${beats.length}`);
  const beat = beats.at(-1)!.data;
  assert.equal(beat.id, host.id);
  assert.equal(beat.friendly_name, host.friendlyName);
  assert.equal(beat.interval_ms, 200);
  assert.equal(beat.labels.zone, 'edge');
  assert.equal(beat.version, host.version);
  assert.ok(beat.uptime_seconds >= 2);
  assert.equal(beat.revision, host.inventory.revision);
  assert.deepEqual(beat.counts, { components: 0, providers: 0, instances: 0 });
});

test('the default interval is 1 s', { timeout: 30_000 }, async () => {
  const host = await t.addHost();
  const events = await EventRecorder.start(nc, 'default');
  await new Promise((r) => setTimeout(r, 3_500));
  const beats = events.of('host_heartbeat', host.id);
  events.stop();
  assert.ok(beats.length >= 2 && beats.length <= 5, `expected about 3 beats, got ${beats.length}`);
  assert.equal(beats[0]!.data.interval_ms, 1_000);
});

test('a heartbeat stays small with 1,000 components; the inventory travels separately', { timeout: 30_000 }, async () => {
  const host = await t.addHost({ heartbeatIntervalMs: 200 });
  const events = await EventRecorder.start(nc, 'default');
  const idleBeat = await events.waitFor('host_heartbeat', { source: host.id });
  for (let i = 0; i < 1_000; i++) {
    host.inventory.upsertComponent({
      id: `component-${i}`,
      image_ref: `oci://registry.example/components/component-${i}:1.0.0`,
      annotations: { 'wasmcloud.dev/appspec': 'demo', 'wasmcloud.dev/scaler': 'spread' },
      max_instances: 1,
      revision: 0,
    });
  }
  const fullBeat = await events.waitFor('host_heartbeat', {
    source: host.id,
    match: (e) => e.data.counts.components === 1_000,
  });
  const inventory = await events.waitFor('host_inventory', {
    source: host.id,
    match: (e) => e.data.components.length === 1_000,
  });
  events.stop();
  assert.equal(fullBeat.data.revision, host.inventory.revision);
  assert.ok(fullBeat.bytes < 1_024, `heartbeat with 1,000 components is ${fullBeat.bytes} bytes`);
  assert.ok(fullBeat.bytes - idleBeat.bytes < 64, 'heartbeat size does not grow with the inventory');
  assert.ok(inventory.bytes > 100 * fullBeat.bytes, `inventory event is ${inventory.bytes} bytes`);
  // 1,000 upserts in one burst are coalesced instead of 1,000 full inventories on the wire.
  const inventories = events.of('host_inventory', host.id).filter((e) => e.receivedAt >= idleBeat.receivedAt);
  assert.ok(inventories.length <= 3, `burst produced ${inventories.length} inventory events`);
});
