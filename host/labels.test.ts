import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostLabels, LabelError, builtinLabels, labelsFromEnv, matchesConstraints } from './labels.js';

test('built-in labels use the Rust names wasmCloud reports', () => {
  assert.deepEqual(builtinLabels('linux', 'x64'), { 'hostcore.os': 'linux', 'hostcore.arch': 'x86_64', 'hostcore.osfamily': 'unix' });
  assert.deepEqual(builtinLabels('darwin', 'arm64'), { 'hostcore.os': 'macos', 'hostcore.arch': 'aarch64', 'hostcore.osfamily': 'unix' });
  assert.deepEqual(builtinLabels('win32', 'ia32'), { 'hostcore.os': 'windows', 'hostcore.arch': 'x86', 'hostcore.osfamily': 'windows' });
  assert.equal(builtinLabels('linux', 'arm')['hostcore.arch'], 'arm');
  assert.equal(builtinLabels('freebsd', 'riscv64')['hostcore.os'], 'freebsd');
});

test('LATTICE_LABEL_* variables become labels with the prefix removed', () => {
  assert.deepEqual(labelsFromEnv({ LATTICE_LABEL_zone: 'edge', LATTICE_LABEL_: 'ignored', LATTICE: 'x', HOME: '/root' }), { zone: 'edge' });
});

test('user labels can change; built-in ones cannot', () => {
  const labels = new HostLabels({ zone: 'edge' }, builtinLabels('linux', 'x64'));
  const seen: Array<Record<string, string>> = [];
  labels.onChange((l) => seen.push(l));
  assert.deepEqual(labels.put('zone', 'cloud'), { ok: true, changed: true });
  assert.deepEqual(labels.put('zone', 'cloud'), { ok: true, changed: false });
  assert.deepEqual(labels.delete('nope'), { ok: true, changed: false });
  assert.equal(labels.put('hostcore.arch', 'sparc').ok, false);
  assert.equal(labels.delete('hostcore.os').ok, false);
  assert.equal(labels.put('bad key', 'x').ok, false);
  assert.equal(labels.get('hostcore.arch'), 'x86_64');
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.zone, 'cloud');
  assert.throws(() => new HostLabels({ 'hostcore.os': 'plan9' }), LabelError);
});

test('constraints match when every pair is present', () => {
  const labels = { zone: 'edge', 'hostcore.arch': 'aarch64' };
  assert.equal(matchesConstraints(labels, {}), true);
  assert.equal(matchesConstraints(labels, { zone: 'edge' }), true);
  assert.equal(matchesConstraints(labels, { zone: 'edge', 'hostcore.arch': 'x86_64' }), false);
  assert.equal(matchesConstraints(labels, { gpu: 'yes' }), false);
});
