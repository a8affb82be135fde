import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateManifest } from '../manifest/validate.js';
import { ownedAnnotations } from '../scalers/annotations.js';
import { applyCommands } from '../scalers/simulate.js';
import type { LatticeState, ObservedHost } from '../scalers/types.js';
import { planSite } from './plan.js';
import { inSite, parseSiteSelector, siteShare, snapshotManifest, type SiteApp } from './snapshot.js';

const raw = {
  apiVersion: 'core.oam.dev/v1beta1',
  kind: 'Application',
  metadata: { name: 'shop', annotations: { version: 'v1' } },
  spec: {
    components: [
      {
        name: 'api',
        type: 'component',
        properties: { image: 'file://api.wasm' },
        traits: [
          {
            type: 'spreadscaler',
            properties: {
              instances: 6,
              spread: [
                { name: 'kitchen', requirements: { site: 'kitchen' }, weight: 50 },
                { name: 'garage', requirements: { site: 'garage' }, weight: 50 },
              ],
            },
          },
        ],
      },
      { name: 'agent', type: 'component', properties: { image: 'file://agent.wasm' }, traits: [{ type: 'daemonscaler', properties: { instances: 1 } }] },
    ],
  },
};
assert.ok(validateManifest(raw).valid);

const kitchen = parseSiteSelector('kitchen')!;

function host(id: string, site: string, api: number, agent = 1): ObservedHost {
  const components = [
    ...(api ? [{ id: 'shop-api', image_ref: 'file://api.wasm', max_instances: api, annotations: ownedAnnotations('shop', 'spreadscaler/api') }] : []),
    ...(agent ? [{ id: 'shop-agent', image_ref: 'file://agent.wasm', max_instances: agent, annotations: ownedAnnotations('shop', 'daemonscaler/agent') }] : []),
  ];
  return { id, labels: { site }, components, providers: [] };
}

function apiSlots(hosts: readonly ObservedHost[]): Record<string, number> {
  return Object.fromEntries(hosts.flatMap((h) => h.components.filter((c) => c.id === 'shop-api').map((c) => [h.id, c.max_instances])));
}

describe('a site scheduling by itself', () => {
  const lattice = [host('k1', 'kitchen', 1), host('k2', 'kitchen', 1), host('k3', 'kitchen', 1), host('g1', 'garage', 3)];
  const siteHosts = lattice.filter((h) => inSite(h, kitchen));
  const app: SiteApp = { name: 'shop', version: 'v1', manifest: raw, ...siteShare('shop', siteHosts) };

  it('records the site share of each component from its hosts', () => {
    assert.deepEqual(app.components, { 'shop-api': 3, 'shop-agent': 3 });
    assert.equal(parseSiteSelector('zone=attic')?.key, 'zone');
    assert.equal(parseSiteSelector('a=b=c'), null);
  });

  it('does nothing while the site still holds its share', () => {
    assert.deepEqual(planSite(app, snapshotManifest(app), siteHosts).commands, []);
  });

  it('moves a lost host’s instances to the site’s other hosts, never beyond the site’s share', () => {
    const survivors = siteHosts.filter((h) => h.id !== 'k2');
    const plan = planSite(app, snapshotManifest(app), survivors);
    assert.ok(plan.commands.every((c) => c.type === 'scale_component' && c.component_id === 'shop-api'));
    const after: LatticeState = applyCommands({ hosts: survivors, links: [], configs: {} }, plan.commands);
    const slots = apiSlots(after.hosts);
    assert.equal(
      Object.values(slots).reduce((a, b) => a + b, 0),
      3,
      JSON.stringify(slots),
    );
    assert.deepEqual(Object.keys(slots).sort(), ['k1', 'k3']);
    // Converged: the next round has nothing to do.
    assert.deepEqual(planSite(app, snapshotManifest(app), after.hosts).commands, []);
  });

  it('reports a share no live site host can take, and touches nothing', () => {
    const app2: SiteApp = { ...app, components: { 'shop-api': 3 } };
    const plan = planSite(app2, snapshotManifest(app2), []);
    assert.deepEqual(plan.commands, []);
    assert.ok(plan.problems.some((p) => p.component === 'api'));
  });

  it('changes no image while cut off: a canary the hub was watching is neither promoted nor replaced', () => {
    const canaried = siteHosts.map((h) => ({
      ...h,
      components: h.components.map((c) =>
        c.id === 'shop-api' ? { ...c, image_ref: 'file://api-old.wasm', canary: { image_ref: 'file://api.wasm', weight: 10 } } : c,
      ),
    }));
    const survivors = canaried.filter((h) => h.id !== 'k2');
    const plan = planSite(app, snapshotManifest(app), survivors);
    for (const c of plan.commands) assert.ok(c.type === 'scale_component' && !c.allow_update, JSON.stringify(c));
    assert.ok(!plan.commands.some((c) => c.type === 'scale_component' && c.component_id === 'shop-api'), 'the hosts keep both versions as they are');
  });
});
