import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppManifest } from '../manifest/model.js';
import { validateManifest } from '../manifest/validate.js';
import { APP_SPEC, MANAGED_BY, ownedAnnotations } from './annotations.js';
import { planApp, planUndeploy } from './plan.js';
import { applyCommands } from './simulate.js';
import type { Command, LatticeState, ObservedHost } from './types.js';

function app(name: string, components: unknown[], version = 'v1'): AppManifest {
  const r = validateManifest({
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name, annotations: { version } },
    spec: { components },
  });
  assert.ok(r.manifest, JSON.stringify(r.problems));
  return r.manifest;
}

function host(id: string, labels: Record<string, string>): ObservedHost {
  return { id, labels, components: [], providers: [] };
}

const lattice = (...hosts: ObservedHost[]): LatticeState => ({ hosts, links: [], configs: {} });

/** Slots per host of one component id. */
function slots(state: LatticeState, componentId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of state.hosts) {
    const c = h.components.find((x) => x.id === componentId);
    if (c) out[h.id] = c.max_instances;
  }
  return out;
}

function converge(manifest: AppManifest, state: LatticeState, previous: AppManifest | null = null): LatticeState {
  const plan = planApp({ app: manifest.name, manifest, previous, state });
  return applyCommands(state, plan.commands);
}

const edgeCloud = () => lattice(host('e1', { zone: 'edge' }), host('e2', { zone: 'edge' }), host('c1', { zone: 'cloud' }), host('c2', { zone: 'cloud' }));

const spread8020 = app('shop', [
  {
    name: 'api',
    type: 'component',
    properties: { image: 'file://api.wasm' },
    traits: [
      {
        type: 'spreadscaler',
        properties: {
          instances: 10,
          spread: [
            { name: 'edge', requirements: { zone: 'edge' }, weight: 80 },
            { name: 'cloud', requirements: { zone: 'cloud' }, weight: 20 },
          ],
        },
      },
    ],
  },
]);

describe('spreadscaler for components', () => {
  it('lands 8/2 of 10 instances over an 80/20 zone spread, evenly within each zone', () => {
    const plan = planApp({ app: 'shop', manifest: spread8020, state: edgeCloud() });
    assert.equal(plan.state, 'reconciling');
    assert.ok(plan.commands.every((c) => c.type === 'scale_component'));
    const after = applyCommands(edgeCloud(), plan.commands);
    assert.deepEqual(slots(after, 'shop-api'), { e1: 4, e2: 4, c1: 1, c2: 1 });
    const c = plan.commands[0] as Extract<Command, { type: 'scale_component' }>;
    assert.equal(c.annotations[MANAGED_BY], 'wadm');
    assert.equal(c.annotations[APP_SPEC], 'shop');
  });

  it('does nothing once converged', () => {
    const state = converge(spread8020, edgeCloud());
    const again = planApp({ app: 'shop', manifest: spread8020, state });
    assert.deepEqual(again.commands, []);
    assert.equal(again.state, 'deployed');
    assert.ok(
      again.scalers.every((s) => s.state === 'deployed'),
      JSON.stringify(again.scalers),
    );
  });

  it('re-places a lost host share on the remaining matching hosts at once', () => {
    const state = converge(spread8020, edgeCloud());
    const lost: LatticeState = { ...state, hosts: state.hosts.filter((h) => h.id !== 'e1') };
    const plan = planApp({ app: 'shop', manifest: spread8020, state: lost });
    assert.deepEqual(
      plan.commands.map((c) => c.type === 'scale_component' && [c.host_id, c.count]),
      [['e2', 8]],
    );
  });

  it('reports a share that no host can take as a placement problem, and still places the rest', () => {
    const moon = app('moon', [
      {
        name: 'api',
        type: 'component',
        properties: { image: 'x' },
        traits: [
          {
            type: 'spreadscaler',
            properties: {
              instances: 4,
              spread: [
                { name: 'earth', requirements: { zone: 'edge' }, weight: 50 },
                { name: 'the-moon', requirements: { zone: 'moon' }, weight: 50 },
              ],
            },
          },
        ],
      },
    ]);
    const plan = planApp({ app: 'moon', manifest: moon, state: edgeCloud() });
    assert.equal(plan.state, 'failed');
    assert.equal(plan.problems.length, 1);
    assert.equal(plan.problems[0]!.spread, 'the-moon');
    assert.match(plan.problems[0]!.message, /needs 2 instance\(s\) but no host matches zone=moon/);
    assert.deepEqual(slots(applyCommands(edgeCloud(), plan.commands), 'moon-api'), { e1: 1, e2: 1 });
  });

  it('takes instances off hosts that no longer match and replaces a different image', () => {
    const state = converge(spread8020, edgeCloud());
    const relabelled: LatticeState = {
      ...state,
      hosts: state.hosts.map((h) => (h.id === 'c2' ? { ...h, labels: { zone: 'lab' } } : h)),
    };
    const plan = planApp({ app: 'shop', manifest: spread8020, state: relabelled });
    assert.deepEqual(
      plan.commands.map((c) => c.type === 'scale_component' && [c.host_id, c.count]),
      [
        ['c1', 2],
        ['c2', 0],
      ],
    );
    const v2 = app('shop', [{ ...spread8020Component(), properties: { image: 'file://api-v2.wasm' } }], 'v2');
    v2.annotations['lattice.dev/upgrade-wave'] = 'all';
    const upgrade = planApp({ app: 'shop', manifest: v2, previous: spread8020, state });
    assert.equal(upgrade.commands.length, 4);
    for (const c of upgrade.commands) {
      assert.ok(c.type === 'scale_component' && c.allow_update && c.image_ref === 'file://api-v2.wasm');
    }
  });

  it('upgrades host by host by default: the next host only once the previous one runs the new image', () => {
    let state = converge(spread8020, edgeCloud());
    const v2 = app('shop', [{ ...spread8020Component(), properties: { image: 'file://api-v2.wasm' } }], 'v2');
    const order: string[] = [];
    for (let round = 0; round < 10; round++) {
      const plan = planApp({ app: 'shop', manifest: v2, previous: spread8020, state });
      if (plan.commands.length === 0) break;
      assert.equal(plan.commands.length, 1, `round ${round}: one host at a time`);
      const c = plan.commands[0]!;
      assert.ok(c.type === 'scale_component' && c.allow_update);
      order.push(c.host_id);
      if (plan.commands.length && round < 3) assert.match(plan.scalers[0]!.message, /upgrading shop-api to file:\/\/api-v2\.wasm: 1 host\(s\) now, \d waiting/);
      // The hosts not yet in their wave still run v1 with their slots: they keep serving.
      const images = state.hosts.map((h) => h.components.find((x) => x.id === 'shop-api')!.image_ref);
      assert.equal(images.filter((i) => i === 'file://api.wasm').length, 4 - round);
      state = applyCommands(state, plan.commands);
    }
    assert.deepEqual(order, ['c1', 'c2', 'e1', 'e2']);
    assert.deepEqual(slots(state, 'shop-api'), slots(converge(spread8020, edgeCloud()), 'shop-api'));
  });

  it('upgrade-wave "all" replaces the image on every host at once; "2" two hosts per round', () => {
    const state = converge(spread8020, edgeCloud());
    const waves = (wave: string) => {
      const v2 = app('shop', [{ ...spread8020Component(), properties: { image: 'file://api-v2.wasm' } }], 'v2');
      v2.annotations['lattice.dev/upgrade-wave'] = wave;
      return planApp({ app: 'shop', manifest: v2, previous: spread8020, state }).commands.length;
    };
    assert.equal(waves('all'), 4);
    assert.equal(waves('2'), 2);
  });
});

function spread8020Component() {
  return {
    name: 'api',
    type: 'component',
    traits: [
      {
        type: 'spreadscaler',
        properties: {
          instances: 10,
          spread: [
            { name: 'edge', requirements: { zone: 'edge' }, weight: 80 },
            { name: 'cloud', requirements: { zone: 'cloud' }, weight: 20 },
          ],
        },
      },
    ],
  };
}

describe('daemonscaler', () => {
  const daemon = app('sensors', [
    {
      name: 'probe',
      type: 'component',
      properties: { image: 'file://probe.wasm' },
      traits: [{ type: 'daemonscaler', properties: { instances: 2, spread: [{ name: 'edge', requirements: { zone: 'edge' } }] } }],
    },
    {
      name: 'mqtt',
      type: 'capability',
      properties: { image: 'builtin://messaging-nats' },
      traits: [{ type: 'daemonscaler', properties: { replicas: 1, spread: [{ name: 'edge', requirements: { zone: 'edge' } }] } }],
    },
  ]);

  it('runs the count on every matching host, and on an edge host that joins later', () => {
    const state = converge(daemon, edgeCloud());
    assert.deepEqual(slots(state, 'sensors-probe'), { e1: 2, e2: 2 });
    assert.deepEqual(
      state.hosts.filter((h) => h.providers.some((p) => p.id === 'sensors-mqtt')).map((h) => h.id),
      ['e1', 'e2'],
    );
    const joined: LatticeState = { ...state, hosts: [...state.hosts, host('e3', { zone: 'edge' })] };
    const plan = planApp({ app: 'sensors', manifest: daemon, state: joined });
    assert.deepEqual(plan.commands.map((c) => `${c.type}@${'host_id' in c ? c.host_id : ''}`).sort(), ['scale_component@e3', 'start_provider@e3']);
  });

  it('waits (not fails) while no host matches', () => {
    const plan = planApp({ app: 'sensors', manifest: daemon, state: lattice(host('c1', { zone: 'cloud' })) });
    assert.equal(plan.state, 'waiting');
    assert.deepEqual(plan.commands, []);
    assert.equal(plan.problems.length, 2);
  });
});

describe('providers', () => {
  const kv = app('store', [
    {
      name: 'kv',
      type: 'capability',
      properties: { image: 'builtin://keyvalue-redis' },
      traits: [{ type: 'spreadscaler', properties: { instances: 3, spread: [{ name: 'cloud', requirements: { zone: 'cloud' } }] } }],
    },
  ]);

  it('starts at most one provider per host and says when too few hosts match', () => {
    const plan = planApp({ app: 'store', manifest: kv, state: edgeCloud() });
    assert.deepEqual(
      plan.commands.map((c) => c.type === 'start_provider' && c.host_id),
      ['c1', 'c2'],
    );
    assert.equal(plan.state, 'failed');
    assert.match(plan.problems[0]!.message, /needs 3 host\(s\) but only 2 match zone=cloud/);
  });

  it('keeps providers where they run and moves only the lost one', () => {
    const two = app('store', [
      { name: 'kv', type: 'capability', properties: { image: 'builtin://keyvalue-redis' }, traits: [{ type: 'spreadscaler', properties: { instances: 2 } }] },
    ]);
    const state = converge(two, edgeCloud());
    const running = state.hosts.filter((h) => h.providers.length).map((h) => h.id);
    assert.equal(running.length, 2);
    const lost: LatticeState = { ...state, hosts: state.hosts.filter((h) => h.id !== running[0]) };
    const plan = planApp({ app: 'store', manifest: two, state: lost });
    assert.equal(plan.commands.length, 1);
    const start = plan.commands[0]!;
    assert.ok(start.type === 'start_provider' && start.host_id !== running[1]);
  });
});

const v1 = app('kvapp', [
  {
    name: 'counter',
    type: 'component',
    properties: { image: 'file://counter.wasm', config: [{ name: 'greeting', properties: { text: 'hi' } }] },
    traits: [
      { type: 'spreadscaler', properties: { instances: 2 } },
      {
        type: 'link',
        properties: {
          namespace: 'wasi',
          package: 'keyvalue',
          interfaces: ['store'],
          target: { name: 'kv', config: [{ name: 'bucket', properties: { bucket: 'counts' } }] },
        },
      },
    ],
  },
  { name: 'kv', type: 'capability', properties: { image: 'builtin://keyvalue-memory' } },
  {
    name: 'http',
    type: 'capability',
    properties: { image: 'builtin://http-server' },
    traits: [
      {
        type: 'link',
        properties: {
          namespace: 'wasi',
          package: 'http',
          interfaces: ['incoming-handler'],
          target: { name: 'counter' },
          source: { config: [{ name: 'addr', properties: { address: '0.0.0.0:8080' } }] },
        },
      },
    ],
  },
]);

describe('links, config and versions', () => {
  it('puts config and links before starting anything, with app-scoped config names', () => {
    const plan = planApp({ app: 'kvapp', manifest: v1, state: edgeCloud() });
    const types = plan.commands.map((c) => c.type);
    assert.deepEqual(types.slice(0, 5), ['put_config', 'put_config', 'put_config', 'put_link', 'put_link']);
    const names = plan.commands.flatMap((c) => (c.type === 'put_config' ? [c.name] : []));
    assert.deepEqual(names.sort(), ['kvapp-addr', 'kvapp-bucket', 'kvapp-greeting']);
    const http = plan.commands.find((c) => c.type === 'put_link' && c.link.wit_package === 'http');
    assert.ok(http && http.type === 'put_link');
    assert.deepEqual(http.link, {
      source_id: 'kvapp-http',
      target: 'kvapp-counter',
      name: 'default',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: ['kvapp-addr'],
      target_config: [],
      source_secrets: [],
      target_secrets: [],
    });
    const scale = plan.commands.find((c) => c.type === 'scale_component');
    assert.ok(scale && scale.type === 'scale_component');
    assert.deepEqual(scale.config, ['kvapp-greeting']);
  });

  it('removes a component, its link and its config when a new version drops them', () => {
    const state = converge(v1, edgeCloud());
    assert.deepEqual(planApp({ app: 'kvapp', manifest: v1, state }).commands, []);
    const v2 = app(
      'kvapp',
      [
        { name: 'counter', type: 'component', properties: { image: 'file://counter.wasm' }, traits: [{ type: 'spreadscaler', properties: { instances: 2 } }] },
        v1Http(),
      ],
      'v2',
    );
    const plan = planApp({ app: 'kvapp', manifest: v2, previous: v1, state });
    const summary = plan.commands.map((c) => {
      if (c.type === 'delete_link') return `${c.type}:${c.wit_package}`;
      if (c.type === 'delete_config') return `${c.type}:${c.name}`;
      if (c.type === 'stop_provider') return `${c.type}:${c.provider_id}`;
      return c.type;
    });
    assert.deepEqual(summary.sort(), ['delete_config:kvapp-bucket', 'delete_config:kvapp-greeting', 'delete_link:keyvalue', 'stop_provider:kvapp-kv']);
    const after = applyCommands(state, plan.commands);
    assert.deepEqual(planApp({ app: 'kvapp', manifest: v2, previous: v1, state: after }).commands, []);
  });

  it('undeploy removes everything the app created and nothing else', () => {
    const deployed = converge(v1, edgeCloud());
    // Someone else's things: another app's instance of a component id, a manual link and config.
    const others: LatticeState = {
      hosts: deployed.hosts.map((h) =>
        h.id === 'e1'
          ? {
              ...h,
              components: [...h.components, { id: 'other-web', image_ref: 'x', max_instances: 3, annotations: ownedAnnotations('other', 'spreadscaler/web') }],
              providers: [...h.providers, { id: 'manual-kv', image_ref: 'y', annotations: {} }],
            }
          : h,
      ),
      links: [
        ...deployed.links,
        {
          source_id: 'kvapp-counter',
          target: 'manual-kv',
          name: 'manual',
          wit_namespace: 'wasi',
          wit_package: 'keyvalue',
          interfaces: ['store'],
          source_config: [],
          target_config: [],
          source_secrets: [],
          target_secrets: [],
        },
      ],
      configs: { ...deployed.configs, 'kvapp-private': { x: '1' } },
    };
    const plan = planUndeploy({ app: 'kvapp', previous: v1, state: others });
    const after = applyCommands(others, plan.commands);
    assert.deepEqual(
      after.hosts.flatMap((h) => h.components.map((c) => `${h.id}:${c.id}`)),
      ['e1:other-web'],
    );
    assert.deepEqual(
      after.hosts.flatMap((h) => h.providers.map((p) => p.id)),
      ['manual-kv'],
    );
    assert.deepEqual(
      after.links.map((l) => l.name),
      ['manual'],
    );
    assert.deepEqual(Object.keys(after.configs), ['kvapp-private']);
    assert.equal(planUndeploy({ app: 'kvapp', previous: v1, state: after }).state, 'undeployed');
  });

  it('waits for referenced config that does not exist', () => {
    const ref = app('refapp', [
      {
        name: 'c',
        type: 'component',
        properties: { image: 'x', config: [{ name: 'external' }] },
        traits: [{ type: 'spreadscaler', properties: { instances: 1 } }],
      },
    ]);
    const plan = planApp({ app: 'refapp', manifest: ref, state: edgeCloud() });
    assert.equal(plan.state, 'waiting');
    assert.match(plan.scalers.find((s) => s.kind === 'config')!.message, /external/);
    const withConfig = planApp({ app: 'refapp', manifest: ref, state: { ...edgeCloud(), configs: { external: { a: 'b' } } } });
    assert.equal(withConfig.state, 'reconciling');
  });
});

function v1Http() {
  return {
    name: 'http',
    type: 'capability',
    properties: { image: 'builtin://http-server' },
    traits: [
      {
        type: 'link',
        properties: {
          namespace: 'wasi',
          package: 'http',
          interfaces: ['incoming-handler'],
          target: { name: 'counter' },
          source: { config: [{ name: 'addr', properties: { address: '0.0.0.0:8080' } }] },
        },
      },
    ],
  };
}

describe('secrets', () => {
  const manifest = (): AppManifest => {
    const r = validateManifest({
      apiVersion: 'core.oam.dev/v1beta1',
      kind: 'Application',
      metadata: { name: 'vault', annotations: { version: 'v1' } },
      spec: {
        policies: [{ name: 'store', type: 'policy.secret.wasmcloud.dev/v1alpha1', properties: { backend: 'nats-kv' } }],
        components: [
          {
            name: 'counter',
            type: 'component',
            properties: { image: 'file://counter.wasm', secrets: [{ name: 'token', properties: { policy: 'store', key: 'api-token' } }] },
            traits: [
              { type: 'spreadscaler', properties: { instances: 1 } },
              {
                type: 'link',
                properties: {
                  target: { name: 'kv', secrets: [{ name: 'password', properties: { policy: 'store', key: 'redis-prod', field: 'pw' } }] },
                  namespace: 'wasi',
                  package: 'keyvalue',
                  interfaces: ['atomics'],
                },
              },
            ],
          },
          {
            name: 'kv',
            type: 'capability',
            properties: { image: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.0', secrets: [{ name: 'url', properties: { policy: 'store', key: 'redis-url' } }] },
            traits: [{ type: 'spreadscaler', properties: { instances: 1 } }],
          },
        ],
      },
    });
    assert.ok(r.manifest, JSON.stringify(r.problems));
    return r.manifest;
  };

  it('writes a reference per manifest secret, names it on links and provider starts, and removes it at undeploy', () => {
    const v1 = manifest();
    const state = lattice(host('h1', {}));
    const plan = planApp({ app: 'vault', manifest: v1, state });
    const refs = Object.fromEntries(plan.commands.flatMap((c) => (c.type === 'put_config' ? [[c.name, c.values]] : [])));
    assert.deepEqual(refs, {
      'SECRET_vault-password': { name: 'password', key: 'redis-prod', policy: 'store', field: 'pw' },
      'SECRET_vault-url': { name: 'url', key: 'redis-url', policy: 'store' },
      'SECRET_vault-token': { name: 'token', key: 'api-token', policy: 'store' },
    });
    const scale = plan.commands.find((c) => c.type === 'scale_component');
    assert.ok(scale?.type === 'scale_component');
    assert.deepEqual(scale.secrets, ['SECRET_vault-token']);
    const link = plan.commands.find((c) => c.type === 'put_link');
    assert.ok(link?.type === 'put_link');
    assert.deepEqual(link.link.target_secrets, ['SECRET_vault-password']);
    const start = plan.commands.find((c) => c.type === 'start_provider');
    assert.ok(start?.type === 'start_provider');
    assert.deepEqual(start.secrets, ['SECRET_vault-url']);

    const after = applyCommands(state, plan.commands);
    const undeploy = planUndeploy({ app: 'vault', previous: v1, state: after });
    const removed = undeploy.commands.flatMap((c) => (c.type === 'delete_config' ? [c.name] : [])).sort();
    assert.deepEqual(removed, ['SECRET_vault-password', 'SECRET_vault-token', 'SECRET_vault-url']);
  });
});
