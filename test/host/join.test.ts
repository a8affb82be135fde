import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from 'nats';
import { createControlClient } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { EventRecorder } from '../kit/events.js';

let t: TestLattice;
let nc: NatsConnection;
let hosts: Host[] = [];

before(async () => {
  t = await startTestLattice({ hosts: 0 });
  nc = t.nc;
});

after(() => t?.dispose());

test('three hosts with different labels join the lattice and all answer ping', { timeout: 30_000 }, async () => {
  const events = await EventRecorder.start(nc, 'default');
  const zones = ['edge', 'cloud', 'factory'];
  for (let i = 0; i < 3; i++) await t.addHost({ labels: { zone: zones[i] as string, index: String(i) }, name: `host-${i}` });
  hosts = [...t.hosts];

  const ping = await createControlClient(nc, 'default').pingHosts({ timeoutMs: 1_000 });
  assert.equal(ping.length, 3);
  for (const [i, host] of hosts.entries()) {
    const info = ping.find((p) => p.id === host.id);
    assert.ok(info, `host ${i} answered ping`);
    assert.match(info.id, /^N[A-Z2-7]{55}$/);
    assert.equal(info.friendly_name, `host-${i}`);
    assert.equal(info.lattice, 'default');
    assert.equal(info.labels.zone, zones[i]);
    assert.equal(info.labels.index, String(i));
    assert.ok(info.labels['hostcore.os'] && info.labels['hostcore.arch'] && info.labels['hostcore.osfamily']);
  }
  assert.equal(new Set(ping.map((p) => p.id)).size, 3, 'host ids are unique');

  for (const host of hosts) {
    const started = await events.waitFor('host_started', { source: host.id });
    assert.equal(started.data.friendly_name, host.friendlyName);
    assert.equal(started.data.labels.zone, host.labels.get('zone'));
    await events.waitFor('host_inventory', { source: host.id });
  }
  assert.equal(events.invalid, 0, 'every event validates against the protocol schemas');
  events.stop();
});

test('hosts in another lattice are not seen', { timeout: 30_000 }, async () => {
  const other = await t.addHost({ lattice: 'other' });
  const inDefault = await createControlClient(nc, 'default').pingHosts({ timeoutMs: 500 });
  const inOther = await createControlClient(nc, 'other').pingHosts({ timeoutMs: 500 });
  assert.ok(!inDefault.some((h) => h.id === other.id));
  assert.deepEqual(
    inOther.map((h) => h.id),
    [other.id],
  );
});
