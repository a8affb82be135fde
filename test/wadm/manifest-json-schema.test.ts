import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { fixture, fixtureFiles, REPO_ROOT } from './manifest-files.js';

// What an editor does with docs/manifest.schema.json: a standard JSON Schema validator.
const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'manifest.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('docs/manifest.schema.json in a standard validator', () => {
  for (const file of fixtureFiles('valid')) {
    it(`accepts valid/${file}`, () => {
      const ok = validate(fixture('valid', file));
      assert.ok(ok, JSON.stringify(validate.errors));
    });
  }

  it('rejects an unknown key and a wrong type', () => {
    assert.equal(validate(fixture('invalid', 'unknown-trait-key.yaml')), false);
    assert.ok(
      validate.errors!.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === 'enabled'),
      JSON.stringify(validate.errors),
    );
    const wrong = fixture('valid', 'greeter.yaml');
    wrong.spec.components[0].traits[0].properties.instances = 'three';
    assert.equal(validate(wrong), false);
  });
});
