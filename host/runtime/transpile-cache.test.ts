import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchGlue } from './transpile-cache.js';

describe('patchGlue', () => {
  it('reads JCO_DEBUG once per module instead of on every call (design.md fact 2)', () => {
    const glue = [
      'export function instantiate() {',
      '  const _debugLog = (...args) => {',
      '    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }',
      '  };',
      '}',
    ].join('\n');
    const patched = patchGlue(glue);
    assert.equal(patched.split('globalThis?.process?.env?.JCO_DEBUG').length, 2, 'exactly one read remains');
    assert.ok(patched.startsWith('const __latticeJcoDebug = globalThis?.process?.env?.JCO_DEBUG;\n'));
    assert.match(patched, /if \(!__latticeJcoDebug\) \{ return; \}/);
  });

  it('leaves glue without the lookup unchanged', () => {
    assert.equal(patchGlue('export function instantiate() {}'), 'export function instantiate() {}');
  });
});
