import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppManifest } from '../manifest/model.js';
import { ownedAnnotations } from './annotations.js';
import { matchesRequirements } from './placement.js';
import { planApp, planUndeploy } from './plan.js';
import { applyCommands } from './simulate.js';
import type { LatticeState, ObservedHost } from './types.js';

/** Small deterministic PRNG (mulberry32) so a failing case can be replayed by its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZONES = ['edge', 'cloud', 'lab'];

function randomCase(seed: number): { manifest: AppManifest; state: LatticeState } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const hosts: ObservedHost[] = Array.from({ length: 1 + Math.floor(r() * 7) }, (_, i) => ({
    id: `h${i}`,
    labels: { zone: pick(ZONES) },
    // Someone else's component with the same id pattern, to prove it is never touched.
    components: r() < 0.3 ? [{ id: 'other-web', image_ref: 'x', max_instances: 2, annotations: ownedAnnotations('other', 'spreadscaler/web') }] : [],
    providers: r() < 0.3 ? [{ id: 'manual-p', image_ref: 'y', annotations: {} }] : [],
  }));
  const spread = Array.from({ length: Math.floor(r() * 3) }, (_, i) => ({
    name: `s${i}`,
    requirements: (r() < 0.8 ? { zone: pick([...ZONES, 'moon']) } : {}) as Record<string, string>,
    weight: Math.floor(r() * 100),
  }));
  const daemon = r() < 0.3;
  const manifest: AppManifest = {
    name: 'app',
    shared: false,
    annotations: {},
    labels: {},
    policies: [],
    components: [
      {
        name: 'web',
        kind: 'component',
        id: 'app-web',
        image: 'file://web.wasm',
        config: [],
        secrets: [],
        links: [],
        scaler: { type: daemon ? 'daemonscaler' : 'spreadscaler', instances: Math.floor(r() * 40), spread },
      },
      {
        name: 'prov',
        kind: 'capability',
        id: 'app-prov',
        image: 'builtin://p',
        config: [],
        secrets: [],
        links: [],
        scaler: { type: 'spreadscaler', instances: Math.floor(r() * 5), spread },
      },
    ],
  };
  return { manifest, state: { hosts, links: [], configs: {} } };
}

function foreign(state: LatticeState): string {
  return JSON.stringify(state.hosts.map((h) => [h.id, h.components.filter((c) => c.id === 'other-web'), h.providers.filter((p) => p.id === 'manual-p')]));
}

describe('scaler invariants over random lattices', () => {
  it('converge in one step, keep the split, touch nothing foreign and undeploy fully (300 seeded cases)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      try {
        checkCase(seed);
      } catch (error) {
        throw new Error(`seed ${seed}: ${(error as Error).message}`, { cause: error });
      }
    }
  });
});

function checkCase(seed: number): void {
  const { manifest, state } = randomCase(seed);
  const plan = planApp({ app: 'app', manifest, state });
  const after = applyCommands(state, plan.commands);
  assert.deepEqual(planApp({ app: 'app', manifest, state: after }).commands, [], 'not converged');
  assert.equal(foreign(after), foreign(state));

  const web = manifest.components[0]!.scaler!;
  const total = after.hosts.reduce((n, h) => n + (h.components.find((c) => c.id === 'app-web')?.max_instances ?? 0), 0);
  const spreads = web.spread.length ? web.spread : [{ name: 'default', requirements: {}, weight: 100 }];
  const anyEligible = (s: (typeof spreads)[number]) => state.hosts.some((h) => matchesRequirements(h.labels, s.requirements));
  if (web.type === 'spreadscaler') {
    if (plan.problems.every((p) => p.component !== 'web'))
      assert.equal(total, web.spread.every((s) => s.weight === 0) && web.spread.length ? 0 : web.instances);
    else assert.ok(total < web.instances);
  } else {
    const eligible = state.hosts.filter((h) => spreads.some((s) => matchesRequirements(h.labels, s.requirements)));
    assert.equal(total, eligible.length * web.instances);
    assert.equal(
      plan.problems.some((p) => p.component === 'web'),
      eligible.length === 0 && web.instances > 0,
    );
  }
  // A host never runs two copies of a provider, and never more hosts than asked for.
  const provHosts = after.hosts.filter((h) => h.providers.some((p) => p.id === 'app-prov')).length;
  assert.ok(provHosts <= manifest.components[1]!.scaler!.instances);
  if (!spreads.some(anyEligible)) assert.equal(provHosts, 0);
  if (!plan.problems.some((p) => p.component === 'prov')) assert.equal(provHosts, manifest.components[1]!.scaler!.instances);

  // Losing a host re-converges in one step too.
  if (after.hosts.length > 1) {
    const lost = { ...after, hosts: after.hosts.slice(1) };
    const replan = applyCommands(lost, planApp({ app: 'app', manifest, state: lost }).commands);
    assert.deepEqual(planApp({ app: 'app', manifest, state: replan }).commands, []);
  }

  const gone = applyCommands(after, planUndeploy({ app: 'app', previous: manifest, state: after }).commands);
  assert.equal(foreign(gone), foreign(state));
  assert.ok(gone.hosts.every((h) => !h.components.some((c) => c.id === 'app-web') && !h.providers.some((p) => p.id === 'app-prov')));
}
