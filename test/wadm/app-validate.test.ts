import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixturePath, REPO_ROOT } from './manifest-files.js';

const cli = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function lattice(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lattice app validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-validate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on a valid manifest and prints its warnings', () => {
    const r = lattice('app', 'validate', fixturePath('valid', 'deprecated-forms.yaml'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid \(2 warnings\)/);
    assert.match(r.stdout, /warning .*spec\.components\[0\]\.traits\[1\]\.properties/);
  });

  it('prints every problem as JSON with -o json and exits non-zero on errors', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: core.oam.dev/v1beta1',
        'kind: Application',
        'metadata: { name: broken }',
        'spec:',
        '  components:',
        '    - name: a',
        '      type: component',
        '      properties: { image: x, colour: red }',
        '      traits:',
        '        - type: link',
        '          properties: { namespace: wasi, package: http, interfaces: [outgoing-handler], target: { name: b } }',
        '    - name: a',
        '      type: capability',
        '      properties: { image: y }',
      ].join('\n'),
    );
    const r = lattice('-o', 'json', 'app', 'validate', file);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { valid: boolean; problems: Array<{ level: string; path: string; message: string }> };
    assert.equal(out.valid, false);
    const paths = out.problems.map((p) => `${p.level} ${p.path}`);
    assert.ok(paths.includes('error spec.components[0].properties.colour'), paths.join('\n'));
    assert.ok(paths.includes('error spec.components[1].name'), paths.join('\n'));
    assert.ok(paths.includes('error spec.components[0].traits[0].properties.target'), paths.join('\n'));
    assert.match(r.stderr, /not a valid manifest \(3 errors\)/);
  });

  it('names an unreadable file', () => {
    const r = lattice('app', 'validate', join(dir, 'missing.yaml'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read .*missing\.yaml/);
  });
});
