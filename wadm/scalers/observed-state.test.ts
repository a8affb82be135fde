import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodedEvent } from '../../protocol/mod.js';
import { applyEvent, emptyObserved, expireHosts, forgiveSilence, heartbeatWindow, snapshot } from './observed-state.js';

const meta = { source: 'test', time: '2026-01-01T00:00:00Z', id: 'x' };
const heartbeat = (id: string, revision: number): DecodedEvent => ({
  ...meta,
  type: 'host_heartbeat',
  data: {
    id,
    friendly_name: id,
    labels: { zone: 'edge' },
    version: '0',
    uptime_seconds: 1,
    counts: { components: 0, providers: 0, instances: 0 },
    revision,
    interval_ms: 1000,
  },
});
const inventory = (id: string, revision: number, components: Array<{ id: string; max: number }>): DecodedEvent => ({
  ...meta,
  type: 'host_inventory',
  data: {
    id,
    friendly_name: id,
    labels: { zone: 'edge' },
    version: '0',
    lattice: 'default',
    started_at: '',
    uptime_seconds: 1,
    revision,
    components: components.map((c) => ({ id: c.id, image_ref: 'img', annotations: {}, max_instances: c.max, revision: 0 })),
    providers: [],
  },
});

describe('observed lattice from events', () => {
  it('asks for an inventory when a host appears or its revision moves, and plans only on known inventories', () => {
    const obs = emptyObserved();
    assert.deepEqual(applyEvent(obs, heartbeat('h1', 1), 0).inventory, ['h1']);
    assert.deepEqual(snapshot(obs).hosts, []);
    applyEvent(obs, inventory('h1', 1, [{ id: 'a', max: 2 }]), 10);
    assert.deepEqual(applyEvent(obs, heartbeat('h1', 1), 20).inventory, []);
    assert.deepEqual(applyEvent(obs, heartbeat('h1', 2), 30).inventory, ['h1']);
    assert.deepEqual(
      snapshot(obs).hosts.map((h) => [h.id, h.components.map((c) => c.max_instances)]),
      [['h1', [2]]],
    );
    // an older inventory arriving late does not overwrite a newer one
    applyEvent(obs, inventory('h1', 3, [{ id: 'a', max: 5 }]), 40);
    applyEvent(obs, inventory('h1', 2, [{ id: 'a', max: 1 }]), 41);
    assert.equal(snapshot(obs).hosts[0]!.components[0]!.max_instances, 5);
  });

  it('patches scale events and drops stopped or silent hosts', () => {
    const obs = emptyObserved();
    applyEvent(obs, inventory('h1', 1, []), 0);
    applyEvent(obs, inventory('h2', 1, []), 0);
    applyEvent(
      obs,
      { ...meta, type: 'component_scaled', data: { host_id: 'h1', component_id: 'c', image_ref: 'i', max_instances: 3, annotations: { k: 'v' } } },
      1,
    );
    assert.deepEqual(snapshot(obs).hosts.find((h) => h.id === 'h1')!.components, [{ id: 'c', image_ref: 'i', max_instances: 3, annotations: { k: 'v' } }]);
    applyEvent(obs, { ...meta, type: 'host_stopped', data: { host_id: 'h2', reason: 'shutdown' } }, 2);
    assert.deepEqual(
      snapshot(obs).hosts.map((h) => h.id),
      ['h1'],
    );
    applyEvent(obs, heartbeat('h1', 1), 1000);
    assert.deepEqual(expireHosts(obs, 3900), []);
    assert.deepEqual(expireHosts(obs, 4001), ['h1']);
    assert.deepEqual(snapshot(obs).hosts, []);
  });

  it("forgives the silence of the observer's own outage: every host gets a full window again", () => {
    const obs = emptyObserved();
    applyEvent(obs, inventory('h1', 1, []), 0);
    applyEvent(obs, heartbeat('h1', 1), 1000);
    assert.equal(heartbeatWindow(obs), 1000);
    // Disconnected from 1500 to 9000: nothing was heard, and nothing is concluded from it.
    forgiveSilence(obs, 9000);
    assert.deepEqual(expireHosts(obs, 9000 + 2900), []);
    assert.deepEqual(expireHosts(obs, 9000 + 3001), ['h1']);
  });

  it('tracks links and config', () => {
    const obs = emptyObserved();
    const link = {
      source_id: 's',
      target: 't',
      name: 'default',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: [],
      target_config: [],
      source_secrets: [],
      target_secrets: [],
    };
    applyEvent(obs, { ...meta, type: 'linkdef_set', data: link }, 0);
    assert.deepEqual(snapshot(obs).links, [link]);
    applyEvent(
      obs,
      { ...meta, type: 'linkdef_deleted', data: { source_id: 's', wit_namespace: 'wasi', wit_package: 'http', name: 'default', target: 't' } },
      0,
    );
    assert.deepEqual(snapshot(obs).links, []);
    assert.deepEqual(applyEvent(obs, { ...meta, type: 'config_set', data: { config_name: 'c1' } }, 0).config, ['c1']);
    obs.configs.set('c1', { a: 'b' });
    applyEvent(obs, { ...meta, type: 'config_deleted', data: { config_name: 'c1' } }, 0);
    assert.deepEqual(snapshot(obs).configs, {});
  });
});
