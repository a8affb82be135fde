import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

// What an editor does with docs/manifest.schema.json: a standard JSON Schema validator.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpus = join(repoRoot, '..', 'shared', 'manifests');
const schema = JSON.parse(readFileSync(join(repoRoot, 'docs', 'manifest.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('docs/manifest.schema.json in a standard validator', () => {
  for (const file of readdirSync(join(corpus, 'valid'))) {
    it(`accepts valid/${file}`, () => {
      const ok = validate(parse(readFileSync(join(corpus, 'valid', file), 'utf8')));
      assert.ok(ok, JSON.stringify(validate.errors));
    });
  }

  it('rejects an unknown key and a wrong type', () => {
    assert.equal(validate(parse(readFileSync(join(corpus, 'invalid', 'wadm-made-up-key.yaml'), 'utf8'))), false);
    assert.ok(validate.errors!.some((e) => e.keyword === 'additionalProperties'));
    const wrong = parse(readFileSync(join(corpus, 'valid', 'wadm-simple.yaml'), 'utf8'));
    wrong.spec.components[0].traits[0].properties.instances = 'four';
    assert.equal(validate(wrong), false);
  });
});
