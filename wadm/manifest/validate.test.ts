import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canaryPolicyOf } from './canary-policy.js';
import { validateManifest, validateManifestText } from './validate.js';
import type { Problem } from './problems.js';

function manifest(components: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name: 'demo', annotations: { version: 'v1' } },
    spec: { components, ...extra },
    ...{},
  };
}

const hello = { name: 'hello', type: 'component', properties: { image: 'file://hello.wasm' } };
const http = { name: 'http', type: 'capability', properties: { image: 'builtin://http-server' } };

function find(problems: Problem[], level: Problem['level'], path: string, fragment: string): Problem | undefined {
  return problems.find((p) => p.level === level && p.path === path && p.message.includes(fragment));
}

describe('validateManifest', () => {
  it('reports every problem of a manifest at once, each with path and level', () => {
    const result = validateManifest(
      manifest([
        { ...hello, colour: 'blue', traits: [{ type: 'spreadscaler', properties: { instances: 1, replicas: 2 } }] },
        { ...hello, traits: [{ type: 'autoscaler', properties: {} }] },
        {
          ...http,
          traits: [{ type: 'link', properties: { namespace: 'wasi', package: 'htp', interfaces: ['incoming-handler'], target: { name: 'nope' } } }],
        },
        { name: 'both', type: 'component', properties: { image: 'x', application: { name: 'a', component: 'b' } } },
      ]),
    );
    assert.equal(result.valid, false);
    assert.equal(result.manifest, null);
    const p = result.problems;
    assert.ok(find(p, 'error', 'spec.components[0].colour', 'unknown key "colour"'));
    assert.ok(find(p, 'error', 'spec.components[0].traits[0].properties', '"instances" and its alias "replicas"'));
    assert.ok(find(p, 'error', 'spec.components[1].traits[0].type', 'unknown trait type "autoscaler"'));
    assert.ok(find(p, 'error', 'spec.components[1].name', 'duplicate component name "hello"'));
    assert.ok(find(p, 'error', 'spec.components[2].traits[0].properties.target', 'link target "nope"'));
    assert.ok(find(p, 'warning', 'spec.components[2].traits[0].properties.interfaces[0]', 'unknown package wasi:htp'));
    assert.ok(find(p, 'error', 'spec.components[3].properties', 'both "image" and "application"'));
  });

  it('rejects duplicate links of one source unless a name tells them apart', () => {
    const link = (name?: string) => ({
      type: 'link',
      properties: { namespace: 'wasi', package: 'keyvalue', interfaces: ['store'], target: { name: 'kv' }, ...(name ? { name } : {}) },
    });
    const kv = { name: 'kv', type: 'capability', properties: { image: 'builtin://keyvalue-memory' } };
    const dup = validateManifest(manifest([{ ...hello, traits: [link(), link()] }, kv]));
    assert.ok(find(dup.problems, 'error', 'spec.components[0].traits[1].properties.interfaces[0]', 'duplicate link'));
    const named = validateManifest(manifest([{ ...hello, traits: [link(), link('cache')] }, kv]));
    assert.deepEqual(named.problems, []);
    assert.equal(named.valid, true);
  });

  it('flags duplicate ids, including derived ones, and capability-to-capability links', () => {
    const r = validateManifest(
      manifest([
        { name: 'a', type: 'component', properties: { image: 'x', id: 'same' } },
        { name: 'b', type: 'component', properties: { image: 'y', id: 'same' } },
        { name: 'my-thing', type: 'component', properties: { image: 'z' } },
        { name: 'my_thing', type: 'component', properties: { image: 'z' } },
        { ...http, traits: [{ type: 'link', properties: { namespace: 'wasi', package: 'http', interfaces: ['incoming-handler'], target: { name: 'kv' } } }] },
        { name: 'kv', type: 'capability', properties: { image: 'k' } },
      ]),
    );
    assert.ok(find(r.problems, 'error', 'spec.components[1].properties.id', 'duplicate component id "same"'));
    assert.ok(find(r.problems, 'error', 'spec.components[3].name', 'duplicate component id "demo-my_thing"'));
    assert.ok(find(r.problems, 'error', 'spec.components[4].traits[0].properties.target', 'can link only to components'));
  });

  it('accepts deprecated forms with warnings and normalizes them', () => {
    const r = validateManifest(
      manifest([
        { name: 'hello', type: 'actor', properties: { image: 'h' }, traits: [{ type: 'daemonscaler', properties: { replicas: 3 } }] },
        {
          ...http,
          traits: [
            {
              type: 'link',
              properties: {
                namespace: 'wasi',
                package: 'http',
                interfaces: ['incoming-handler'],
                target: 'hello',
                source_config: [{ name: 'addr', properties: { address: '0.0.0.0:8080' } }],
              },
            },
          ],
        },
      ]),
    );
    assert.equal(r.valid, true, JSON.stringify(r.problems));
    assert.deepEqual(
      r.problems.map((p) => [p.level, p.path]),
      [
        ['warning', 'spec.components[0].type'],
        ['warning', 'spec.components[1].traits[0].properties'],
      ],
    );
    const m = r.manifest!;
    assert.equal(m.version, 'v1');
    assert.deepEqual(m.components[0]!.scaler, { type: 'daemonscaler', instances: 3, spread: [] });
    assert.equal(m.components[0]!.kind, 'component');
    assert.equal(m.components[0]!.id, 'demo-hello');
    const link = m.components[1]!.links[0]!;
    assert.equal(link.target, 'hello');
    assert.equal(link.name, 'default');
    assert.deepEqual(link.source_config.config, [{ name: 'addr', properties: { address: '0.0.0.0:8080' } }]);
    // a capability without a scaler runs once, as in wadm
    assert.deepEqual(m.components[1]!.scaler, { type: 'spreadscaler', instances: 1, spread: [] });
  });

  it('checks secrets against policies and metadata rules', () => {
    const r = validateManifest({
      ...manifest(
        [
          {
            ...hello,
            properties: {
              image: 'h',
              secrets: [
                { name: 's', properties: { policy: 'vault', key: 'k' } },
                { name: 't', properties: { policy: 'nope', key: 'k' } },
              ],
            },
          },
        ],
        { policies: [{ name: 'vault', type: 'policy.secret.wasmcloud.dev/v1alpha1', properties: {} }] },
      ),
      metadata: { name: 'bad.name', annotations: { version: 'latest', 'Not A Key': 'x' } },
    });
    assert.ok(find(r.problems, 'error', 'spec.components[0].properties.secrets[0].properties.policy', 'no "backend"'));
    assert.ok(find(r.problems, 'error', 'spec.components[0].properties.secrets[1].properties.policy', 'unknown policy "nope"'));
    assert.ok(find(r.problems, 'error', 'metadata.name', 'application name "bad.name"'));
    assert.ok(find(r.problems, 'error', 'metadata.annotations.version', '"latest" is reserved'));
    assert.ok(find(r.problems, 'error', 'metadata.annotations.Not A Key', 'not a valid OAM annotation key'));
  });

  it('names wrong types and missing fields plainly', () => {
    const r = validateManifest({
      apiVersion: 'core.oam.dev/v1alpha2',
      kind: 'Application',
      metadata: {},
      spec: { components: [{ name: 'x', type: 'component', properties: { image: 'i', config: [{ name: 'c', properties: { port: 8080 } }] } }] },
    });
    assert.ok(find(r.problems, 'error', 'apiVersion', 'must be "core.oam.dev/v1beta1"'));
    assert.ok(find(r.problems, 'error', 'metadata.name', 'is required'));
    assert.ok(find(r.problems, 'error', 'spec.components[0].properties.config[0].properties.port', '(quote it)'));
  });
});

describe('validateManifestText', () => {
  it('reads JSON as well as YAML', () => {
    const r = validateManifestText(JSON.stringify(manifest([hello])));
    assert.equal(r.valid, true);
    assert.equal(r.manifest?.components[0]?.id, 'demo-hello');
  });

  it('reports YAML syntax errors with their position, and refuses several documents', () => {
    const bad = validateManifestText('apiVersion: core.oam.dev/v1beta1\nkind: [Application\n');
    assert.equal(bad.valid, false);
    assert.match(bad.problems[0]!.message, /not valid YAML\/JSON \(line \d+/);
    const two = validateManifestText('a: 1\n---\nb: 2\n');
    assert.match(two.problems[0]!.message, /2 YAML documents/);
    const empty = validateManifestText('');
    assert.match(empty.problems[0]!.message, /empty/);
  });

  it('checks lattice.dev/upgrade-wave: a positive number of hosts or "all"', () => {
    for (const wave of ['1', '3', 'all']) {
      const m = manifest([hello]);
      (m.metadata as { annotations: Record<string, string> }).annotations['lattice.dev/upgrade-wave'] = wave;
      assert.equal(validateManifest(m).valid, true, wave);
    }
    for (const wave of ['0', '-1', 'half', '1.5']) {
      const m = manifest([hello]);
      (m.metadata as { annotations: Record<string, string> }).annotations['lattice.dev/upgrade-wave'] = wave;
      const result = validateManifest(m);
      assert.ok(find(result.problems, 'error', 'metadata.annotations.lattice.dev/upgrade-wave', 'positive whole number'), wave);
    }
  });

  it('checks the canary policy: known properties with valid values, at most one, defaults filled in', () => {
    const canary = (properties: Record<string, string>) => ({ name: 'canary', type: 'policy.lattice.dev/canary', properties });
    const good = validateManifest(manifest([hello], { policies: [canary({ weight: '25', window_seconds: '30' })] }));
    assert.equal(good.valid, true, JSON.stringify(good.problems));
    assert.deepEqual(canaryPolicyOf(good.manifest!.policies), { weight: 25, windowMs: 30_000, minRequests: 20, errorMargin: 0.01, latencyRatio: 2 });
    const bad = validateManifest(
      manifest([hello], { policies: [canary({ weight: '0', window_seconds: 'soon', latency_ratio: '0.5', speed: '1' }), canary({})] }),
    );
    assert.ok(find(bad.problems, 'error', 'spec.policies[0].properties.weight', 'a whole percent from 1 to 99'));
    assert.ok(find(bad.problems, 'error', 'spec.policies[0].properties.window_seconds', 'not "soon"'));
    assert.ok(find(bad.problems, 'error', 'spec.policies[0].properties.latency_ratio', 'at least 1'));
    assert.ok(find(bad.problems, 'error', 'spec.policies[0].properties.speed', 'unknown canary property "speed"'));
    assert.ok(find(bad.problems, 'error', 'spec.policies[1].type', 'only one'));
  });
});
