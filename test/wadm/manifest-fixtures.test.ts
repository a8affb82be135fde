/**
 * The project's manifest fixtures (test/wadm/fixtures/manifests) are accepted or rejected exactly
 * as intended, and normalize to what the scalers and the store rely on. Every fixture file has an
 * expectation here: a new file without one fails, so none is silently unchecked.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { manifestJsonSchema, validateManifestText, type AppComponent, type AppManifest } from '../../wadm/manifest/mod.js';
import { fixtureFiles, fixtureText, REPO_ROOT } from './manifest-files.js';

/** Valid fixtures: the paths of the warnings each must give (deprecated forms), in order. */
const VALID_WARNINGS: Record<string, string[]> = {
  'deprecated-forms.yaml': ['spec.components[0].traits[1].properties', 'spec.components[1].traits[0].properties'],
  'edge-agent.yaml': ['spec.components[1].traits[0].properties'],
  'edge-gateway.yaml': [],
  'greeter.yaml': [],
  'http-counter.yaml': [],
  'order-events.yaml': [],
  'photo-archive.yaml': [],
  'storefront.yaml': [],
  'three-regions.yaml': [],
};

/** Invalid fixtures: every error each must give, as [path, message]. */
const INVALID_ERRORS: Record<string, Array<[string, RegExp]>> = {
  'dangling-link.yaml': [['spec.components[0].traits[1].properties.target', /link target "egress" is not a component in this manifest/]],
  'duplicate-component.yaml': [
    ['spec.components[1].name', /duplicate component name "catalog"/],
    ['spec.components[3].name', /duplicate component name "checkout"/],
  ],
  'image-and-application.yaml': [['spec.components[0].properties', /both "image" and "application"/]],
  'linkdef-typo.yaml': [
    ['spec.components[0].traits[1].type', /unknown trait type "linkdef".*wadm 0\.x name of "link"/],
    ['spec.components[0].traits[1].properties.target', /link target "http-clinet" is not a component in this manifest/],
  ],
  'unknown-trait-key.yaml': [['spec.components[0].traits[0].enabled', /unknown key "enabled"/]],
};

function valid(file: string): AppManifest {
  const result = validateManifestText(fixtureText('valid', file));
  assert.ok(result.valid && result.manifest, JSON.stringify(result.problems));
  return result.manifest;
}

function byName(m: AppManifest): Record<string, AppComponent> {
  return Object.fromEntries(m.components.map((c) => [c.name, c]));
}

describe('manifest fixtures', () => {
  it('has an expectation for every fixture file and a file for every expectation', () => {
    assert.deepEqual(fixtureFiles('valid'), Object.keys(VALID_WARNINGS).sort());
    assert.deepEqual(fixtureFiles('invalid'), Object.keys(INVALID_ERRORS).sort());
  });

  for (const [file, warnings] of Object.entries(VALID_WARNINGS)) {
    it(`accepts valid/${file} with ${warnings.length} warning(s)`, () => {
      const result = validateManifestText(fixtureText('valid', file));
      assert.deepEqual(
        result.problems.filter((p) => p.level === 'error'),
        [],
      );
      assert.equal(result.valid, true);
      assert.ok(result.manifest);
      assert.deepEqual(
        result.problems.map((p) => `${p.level} ${p.path}`),
        warnings.map((path) => `warning ${path}`),
      );
    });
  }

  for (const [file, expected] of Object.entries(INVALID_ERRORS)) {
    it(`rejects invalid/${file} with every error it contains`, () => {
      const result = validateManifestText(fixtureText('invalid', file));
      assert.equal(result.valid, false);
      assert.equal(result.manifest, null);
      const errors = result.problems.filter((p) => p.level === 'error');
      for (const [path, message] of expected) {
        assert.ok(
          errors.some((p) => p.path === path && message.test(p.message)),
          `no error ${path} ${message}: ${JSON.stringify(errors, null, 1)}`,
        );
      }
      assert.equal(errors.length, expected.length, JSON.stringify(errors, null, 1));
    });
  }
});

describe('manifest fixtures, normalized', () => {
  it('derives ids as wadm does (<app>-<name>, sanitized) and keeps the link as written', () => {
    const m = valid('http-counter.yaml');
    assert.equal(m.version, 'v0.0.1');
    const c = byName(m);
    assert.deepEqual([c.counter!.id, c.redis!.id, c.web!.id], ['http_counter-counter', 'http_counter-redis', 'http_counter-web']);
    const kv = c.counter!.links[0]!;
    assert.deepEqual([kv.name, kv.namespace, kv.package, kv.interfaces, kv.target], ['default', 'wasi', 'keyvalue', ['atomics', 'store'], 'redis']);
    assert.deepEqual(kv.target_config.config, [{ name: 'counter-redis', properties: { url: 'redis://127.0.0.1:6379' } }]);
    assert.deepEqual(c.web!.links[0]!.source_config.config, [{ name: 'counter-listen', properties: { address: '127.0.0.1:8000' } }]);
    // Capabilities without a scaler run once; the component has its spreadscaler.
    assert.deepEqual(c.redis!.scaler, { type: 'spreadscaler', instances: 1, spread: [] });
    assert.deepEqual(c.counter!.scaler, { type: 'spreadscaler', instances: 1, spread: [] });
  });

  it('uses explicit ids, and leaves the version to the store when there is none', () => {
    const m = valid('greeter.yaml');
    assert.equal(m.version, undefined);
    assert.deepEqual(
      m.components.map((c) => c.id),
      ['greeter_http', 'greeter_web'],
    );
  });

  it('keeps inline and referenced config, weighted spreads, labels and policies', () => {
    const m = valid('photo-archive.yaml');
    const c = byName(m);
    assert.deepEqual(c.archive!.config, [{ name: 'archive-limits', properties: { max_upload_bytes: '10485760' } }, { name: 'archive-defaults' }]);
    assert.deepEqual(
      c.archive!.scaler!.spread.map((s) => [s.name, s.requirements, s.weight]),
      [
        ['north', { region: 'eu-north' }, 50],
        ['south', { region: 'eu-south' }, 50],
      ],
    );
    // A spread entry without a weight weighs 100.
    assert.deepEqual(c.photos!.scaler!.spread, [{ name: 'south-only', requirements: { region: 'eu-south' }, weight: 100 }]);
    assert.deepEqual(m.labels, { team: 'media' });
    assert.deepEqual(
      m.policies.map((p) => p.type),
      ['lattice.example/retention-hints'],
    );
  });

  it('turns deprecated link forms into target.config / source.config', () => {
    const c = byName(valid('deprecated-forms.yaml'));
    const blob = c['files-api']!.links[0]!;
    assert.equal(blob.target, 'store');
    assert.deepEqual(blob.target_config.config, [{ name: 'legacy-root', properties: { root: '/srv/legacy' } }]);
    const http = c.web!.links[0]!;
    assert.equal(http.target, 'files-api');
    assert.deepEqual(http.source_config.config, [{ name: 'legacy-listen', properties: { address: '0.0.0.0:8100' } }]);
  });

  it('marks a shared application, and resolves references to it to its ids without running them', () => {
    const gateway = valid('edge-gateway.yaml');
    assert.equal(gateway.shared, true);
    const shop = valid('storefront.yaml');
    assert.equal(shop.shared, false);
    const c = byName(shop);
    assert.deepEqual([c.egress!.id, c.ingress!.id], [byName(gateway).outbound!.id, byName(gateway).inbound!.id]);
    assert.deepEqual(c.egress!.application, { name: 'edge-gateway', component: 'outbound' });
    assert.equal(c.egress!.scaler, undefined);
    assert.equal(c.ingress!.scaler, undefined);
    assert.equal(c.ingress!.links[0]!.target, 'shop');
  });

  it('names links apart (the default name and a named one) and keeps messaging both ways', () => {
    const c = byName(valid('order-events.yaml'));
    assert.deepEqual(
      c.orders!.links.map((l) => [l.name, `${l.namespace}:${l.package}`, l.interfaces.join(','), l.target]),
      [
        ['orders-cache', 'wasi:keyvalue', 'store,atomics', 'kv'],
        ['default', 'wasmcloud:messaging', 'consumer', 'bus'],
      ],
    );
    assert.deepEqual(c.bus!.links[0]!.source_config.config, [{ name: 'orders-subscription', properties: { subscriptions: 'orders.created' } }]);
  });

  it('reads daemonscaler replicas as instances per matching host', () => {
    const c = byName(valid('edge-agent.yaml'));
    assert.deepEqual(c.agent!.scaler, { type: 'daemonscaler', instances: 2, spread: [{ name: 'edge', requirements: { zone: 'edge' }, weight: 100 }] });
    assert.deepEqual(c.web!.scaler, { type: 'daemonscaler', instances: 1, spread: [] });
  });
});

describe('manifest JSON Schema', () => {
  it('docs/manifest.schema.json is the schema generated from the zod schemas (npm run gen:schema)', () => {
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'manifest.schema.json'), 'utf8'));
    assert.deepEqual(committed, manifestJsonSchema());
  });
});
