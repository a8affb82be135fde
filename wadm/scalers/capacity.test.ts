/**
 * Placement on measured capacity (placement.ts): hosts short of memory get no new instances while
 * others have room, instances already there leave only when it gets worse, and with
 * `lattice.dev/placement: capacity` a spread share follows the hosts' CPUs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostCapacity } from '../../protocol/mod.js';
import type { AppManifest } from '../manifest/model.js';
import { validateManifest } from '../manifest/validate.js';
import { applyEvent, emptyObserved, snapshot } from './observed-state.js';
import { planApp } from './plan.js';
import { applyCommands } from './simulate.js';
import type { LatticeState, ObservedHost } from './types.js';

const GiB = 2 ** 30;

function capacity(cpus: number, usedShare: number, totalGiB = 8): HostCapacity {
  return { cpus, memory_total_bytes: totalGiB * GiB, memory_free_bytes: Math.round(totalGiB * GiB * (1 - usedShare)), load1: 0.5 };
}

function host(id: string, cap?: HostCapacity, labels: Record<string, string> = {}): ObservedHost {
  return { id, labels, components: [], providers: [], ...(cap ? { capacity: cap } : {}) };
}

function app(instances: number, annotations: Record<string, string> = {}): AppManifest {
  const r = validateManifest({
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name: 'shop', annotations: { version: 'v1', ...annotations } },
    spec: {
      components: [
        {
          name: 'web',
          type: 'component',
          properties: { image: 'file:///web.wasm' },
          traits: [{ type: 'spreadscaler', properties: { instances } }],
        },
      ],
    },
  });
  assert.ok(r.manifest, JSON.stringify(r.problems));
  return r.manifest;
}

const lattice = (...hosts: ObservedHost[]): LatticeState => ({ hosts, links: [], configs: {} });

function converge(manifest: AppManifest, state: LatticeState): LatticeState {
  return applyCommands(state, planApp({ app: 'shop', manifest, state }).commands);
}

function slots(state: LatticeState): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of state.hosts) out[h.id] = h.components.find((c) => c.id === 'shop-web')?.max_instances ?? 0;
  return out;
}

describe('placement on measured capacity', () => {
  it('gives no new instances to a host using more than 90% of its memory while others have room', () => {
    const state = converge(app(6), lattice(host('a', capacity(4, 0.5)), host('b', capacity(4, 0.95)), host('c', capacity(4, 0.3))));
    assert.deepEqual(slots(state), { a: 3, b: 0, c: 3 });
  });

  it('keeps instances on a host between 90% and 97% used, and moves them away above', () => {
    let state = converge(app(6), lattice(host('a', capacity(4, 0.5)), host('b', capacity(4, 0.5)), host('c', capacity(4, 0.5))));
    assert.deepEqual(slots(state), { a: 2, b: 2, c: 2 });
    const withMemory = (used: number): LatticeState => ({
      ...state,
      hosts: state.hosts.map((h) => (h.id === 'b' ? { ...h, capacity: capacity(4, used) } : h)),
    });
    state = converge(app(6), withMemory(0.93));
    assert.deepEqual(slots(state), { a: 2, b: 2, c: 2 }, 'no back and forth around 90%');
    state = converge(app(6), withMemory(0.98));
    assert.deepEqual(slots(state), { a: 3, b: 0, c: 3 });
  });

  it('places on hosts short of memory when no host has room (running short beats not running)', () => {
    const state = converge(app(4), lattice(host('a', capacity(4, 0.95)), host('b', capacity(4, 0.99))));
    assert.deepEqual(slots(state), { a: 2, b: 2 });
  });

  it('with lattice.dev/placement: capacity, a Raspberry Pi and a server take shares in proportion to their CPUs', () => {
    const pi = host('pi', capacity(4, 0.4, 4));
    const server = host('server', capacity(32, 0.2, 64));
    assert.deepEqual(slots(converge(app(36, { 'lattice.dev/placement': 'capacity' }), lattice(pi, server))), { pi: 4, server: 32 });
    assert.deepEqual(slots(converge(app(36), lattice(pi, server))), { pi: 18, server: 18 }, 'even without the annotation');
    // A host that does not report capacity counts as the median of those that do.
    const other = host('other');
    assert.deepEqual(
      slots(
        converge(
          app(16, { 'lattice.dev/placement': 'capacity' }),
          lattice(host('x', capacity(2, 0.1)), other, host('y', capacity(4, 0.1)), host('z', capacity(6, 0.1))),
        ),
      ),
      { x: 2, other: 4, y: 4, z: 6 },
    );
  });

  it('is stable: planning the converged lattice again gives no commands', () => {
    const manifest = app(10, { 'lattice.dev/placement': 'capacity' });
    const state = converge(manifest, lattice(host('a', capacity(2, 0.2)), host('b', capacity(6, 0.2)), host('c', capacity(8, 0.95))));
    assert.deepEqual(slots(state), { a: 2, b: 8, c: 0 }, '2.5 and 7.5: the tie goes to the larger weight');
    assert.deepEqual(planApp({ app: 'shop', manifest, state }).commands, []);
  });

  it('refuses an unknown placement mode with its path', () => {
    const r = validateManifest({
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'shop', annotations: { version: 'v1', 'lattice.dev/placement': 'random' } },
      spec: { components: [] },
    });
    assert.ok(
      r.problems.some((p) => p.path.includes('lattice.dev/placement') && /even, capacity/.test(p.message)),
      JSON.stringify(r.problems),
    );
  });

  it('takes capacity from heartbeats and keeps it across inventories', () => {
    const obs = emptyObserved();
    const beat = {
      id: 'h1',
      friendly_name: 'h1',
      labels: {},
      version: '0',
      uptime_seconds: 1,
      counts: { components: 0, providers: 0, instances: 0 },
      revision: 0,
    };
    applyEvent(obs, { type: 'host_heartbeat', data: { ...beat, interval_ms: 1000, capacity: capacity(4, 0.5) } } as never, 0);
    applyEvent(obs, { type: 'host_inventory', data: { ...beat, lattice: 'default', started_at: '', components: [], providers: [] } } as never, 1);
    assert.equal(snapshot(obs).hosts[0]?.capacity?.cpus, 4);
  });
});
