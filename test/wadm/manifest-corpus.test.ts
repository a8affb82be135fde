/**
 * The optional compatibility suite: manifests written by the wasmCloud project (wadm's own test
 * fixtures, wasmCloud's examples, the wasmcloud-operator quickstart), kept outside the repository
 * (see manifest-files.ts for where it is looked for). Each must be accepted or rejected as wadm
 * does, pass the published JSON Schema, and schedule to convergence. Without the corpus the
 * suite reports itself skipped with the reason; the project's own fixtures cover the same
 * behaviours in manifest-fixtures.test.ts and plan-fixtures.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { validateManifestText } from '../../wadm/manifest/mod.js';
import { applyCommands, planApp, planUndeploy, type LatticeState } from '../../wadm/scalers/mod.js';
import { corpusFiles, corpusText, manifestCorpus, REPO_ROOT } from './manifest-files.js';

const SUITE = 'manifest compatibility corpus';
const corpus = manifestCorpus();

/** wadm's expectations for its invalid manifests: the reason each is rejected for. */
const EXPECTED_REJECTION: Record<string, RegExp> = {
  'wadm-both-properties.yaml': /both "image" and "application"/,
  'wadm-dangling-link.yaml': /link target "httpclient" is not a component in this manifest/,
  'wadm-duplicate-component.yaml': /duplicate component name "(ui|vets)"/,
  'wadm-made-up-key.yaml': /unknown key "incorrect"/,
  'wadm-missing-capability-component.yaml': /link target "httpclyent" is not a component in this manifest/,
};

/** Valid manifests that give warnings (deprecated link forms), and how many. */
const EXPECTED_WARNINGS: Record<string, number> = {
  'wadm-deprecated-source-and-target-config.yaml': 2,
};

/** The regions the corpus's spread manifests name; `moon` is left without a host on purpose. */
const lattice = (): LatticeState => ({
  hosts: [
    { id: 'east', labels: { region: 'us-brooks-east', zone: 'edge' }, components: [], providers: [] },
    { id: 'west', labels: { region: 'us-taylor-west', zone: 'edge' }, components: [], providers: [] },
    { id: 'cloud', labels: { zone: 'cloud' }, components: [], providers: [] },
  ],
  links: [],
  configs: { 'blobby-default-configuration-values': { a: 'b' } },
});

if (corpus.dir === null) {
  it(SUITE, { skip: corpus.reason });
} else {
  const dir = corpus.dir;
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'manifest.schema.json'), 'utf8'));
  const jsonSchema = new Ajv({ allErrors: true, strict: false }).compile(schema);

  describe(`${SUITE} (${dir})`, () => {
    for (const file of corpusFiles(dir, 'valid')) {
      it(`accepts valid/${file}`, () => {
        const result = validateManifestText(corpusText(dir, 'valid', file));
        assert.deepEqual(
          result.problems.filter((p) => p.level === 'error'),
          [],
        );
        assert.equal(result.valid, true);
        assert.ok(result.manifest);
        const warnings = result.problems.filter((p) => p.level === 'warning');
        assert.equal(warnings.length, EXPECTED_WARNINGS[file] ?? warnings.length, JSON.stringify(warnings));
      });

      it(`valid/${file} passes docs/manifest.schema.json`, () => {
        assert.ok(jsonSchema(parse(corpusText(dir, 'valid', file))), JSON.stringify(jsonSchema.errors));
      });

      it(`plans, converges and undeploys valid/${file}`, () => {
        const manifest = validateManifestText(corpusText(dir, 'valid', file)).manifest!;
        const app = manifest.name;
        const plan = planApp({ app, manifest, state: lattice() });
        const after = applyCommands(lattice(), plan.commands);
        const again = planApp({ app, manifest, state: after });
        assert.deepEqual(again.commands, [], `not converged: ${JSON.stringify(again.commands)}`);
        const moon = JSON.stringify(manifest).includes('"moon"');
        assert.equal(again.state, moon ? 'failed' : 'deployed', JSON.stringify(again.scalers));
        if (moon)
          assert.ok(
            again.problems.some((p) => /no host matches region=moon/.test(p.message)),
            JSON.stringify(again.problems),
          );
        const undeploy = applyCommands(after, planUndeploy({ app, previous: manifest, state: after }).commands);
        assert.deepEqual(undeploy, lattice());
      });
    }

    for (const file of corpusFiles(dir, 'invalid')) {
      it(`rejects invalid/${file} for the reason wadm gives`, () => {
        const result = validateManifestText(corpusText(dir, 'invalid', file));
        assert.equal(result.valid, false);
        const reason = EXPECTED_REJECTION[file];
        assert.ok(reason, `no expected reason recorded for ${file}`);
        const errors = result.problems.filter((p) => p.level === 'error');
        assert.ok(
          errors.some((p) => reason.test(p.message)),
          `errors: ${JSON.stringify(errors, null, 1)}`,
        );
      });
    }

    it('derives the kv-counter ids and links as wadm does', () => {
      const m = validateManifestText(corpusText(dir, 'valid', 'wasmcloud-http-keyvalue-counter.yaml')).manifest!;
      const byName = Object.fromEntries(m.components.map((c) => [c.name, c]));
      assert.equal(byName.counter!.id, 'rust_http_kv-counter');
      assert.equal(byName.kvredis!.id, 'rust_http_kv-kvredis');
      assert.deepEqual(byName.counter!.links[0]!.interfaces, ['atomics', 'store']);
      assert.equal(byName.counter!.links[0]!.target, 'kvredis');
    });
  });
}
