import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wasip3Interfaces, wasip3Refusal } from './wasip3.js';

describe('WASIp3 components', () => {
  it('are those with wasi interfaces at version 0.3', () => {
    assert.deepEqual(wasip3Interfaces(['wasi:http/handler@0.3.0', 'wasi:io/streams@0.2.6', 'acme:shop/cart@0.3.0', 'wasi:cli/run']), [
      'wasi:http/handler@0.3.0',
    ]);
    assert.deepEqual(wasip3Interfaces(['wasi:clocks/monotonic-clock@0.3.0-rc-2025-09-16']), ['wasi:clocks/monotonic-clock@0.3.0-rc-2025-09-16']);
  });

  it('are refused with the Node version they need where there is no JSPI, and for WASI 0.3 itself elsewhere', () => {
    const world = { imports: ['wasi:clocks/monotonic-clock@0.3.0'], exports: ['wasi:http/handler@0.3.0'] };
    assert.match(wasip3Refusal(world, false)!, /needs Node 24 or newer \(JSPI\); this host runs Node \d+/);
    assert.match(wasip3Refusal(world, true)!, /implements WASI 0\.2 only/);
    assert.equal(wasip3Refusal({ imports: ['wasi:io/streams@0.2.0'], exports: ['wasi:http/incoming-handler@0.2.0'] }), null);
  });
});
