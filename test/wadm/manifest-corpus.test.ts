import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { manifestJsonSchema, validateManifestText } from '../../wadm/manifest/mod.js';

// dist/test/wadm -> repository root; the corpus lives beside the repository, shared with wadm's tests.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpus = join(repoRoot, '..', 'shared', 'manifests');

function read(dir: string, file: string): string {
  return readFileSync(join(corpus, dir, file), 'utf8');
}

/** What each invalid manifest must be rejected for: its file name says it. */
const expectedRejection: Record<string, RegExp> = {
  'wadm-both-properties.yaml': /both "image" and "application"/,
  'wadm-dangling-link.yaml': /link target "httpclient" is not a component in this manifest/,
  'wadm-duplicate-component.yaml': /duplicate component name "(ui|vets)"/,
  'wadm-made-up-key.yaml': /unknown key "incorrect"/,
  'wadm-missing-capability-component.yaml': /link target "httpclyent" is not a component in this manifest/,
};

describe('manifest corpus (../shared/manifests)', () => {
  for (const file of readdirSync(join(corpus, 'valid'))) {
    it(`accepts valid/${file}`, () => {
      const result = validateManifestText(read('valid', file));
      const errors = result.problems.filter((p) => p.level === 'error');
      assert.deepEqual(errors, []);
      assert.equal(result.valid, true);
      assert.ok(result.manifest);
      const warnings = result.problems.filter((p) => p.level === 'warning');
      if (file === 'wadm-deprecated-source-and-target-config.yaml') assert.equal(warnings.length, 2, JSON.stringify(warnings));
    });
  }

  for (const file of readdirSync(join(corpus, 'invalid'))) {
    it(`rejects invalid/${file} for the reason its name gives`, () => {
      const result = validateManifestText(read('invalid', file));
      assert.equal(result.valid, false);
      const reason = expectedRejection[file];
      assert.ok(reason, `no expected reason recorded for ${file}`);
      const errors = result.problems.filter((p) => p.level === 'error');
      assert.ok(errors.some((p) => reason.test(p.message)), `errors: ${JSON.stringify(errors, null, 1)}`);
    });
  }

  it('derives the kv-counter ids and links as wadm does', () => {
    const m = validateManifestText(read('valid', 'wasmcloud-http-keyvalue-counter.yaml')).manifest!;
    const byName = Object.fromEntries(m.components.map((c) => [c.name, c]));
    assert.equal(byName.counter!.id, 'rust_http_kv-counter');
    assert.equal(byName.kvredis!.id, 'rust_http_kv-kvredis');
    assert.deepEqual(byName.counter!.links[0]!.interfaces, ['atomics', 'store']);
    assert.equal(byName.counter!.links[0]!.target, 'kvredis');
  });

  it('docs/manifest.schema.json is the schema generated from the zod schemas (npm run gen:schema)', () => {
    const committed = JSON.parse(readFileSync(join(repoRoot, 'docs', 'manifest.schema.json'), 'utf8'));
    assert.deepEqual(committed, manifestJsonSchema());
  });
});
