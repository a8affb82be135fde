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

  it('are refused with the Node version they need where there is no JSPI', () => {
    const handler = { imports: ['wasi:http/types@0.3.0'], exports: ['wasi:http/handler@0.3.0'] };
    assert.match(wasip3Refusal(handler, false)!, /needs Node 24 or newer \(JSPI\); this host runs Node \d+/);
    assert.equal(wasip3Refusal({ imports: ['wasi:io/streams@0.2.0'], exports: ['wasi:http/incoming-handler@0.2.0'] }, false), null);
  });

  it('run with JSPI when they are HTTP handlers; any other WASI 0.3 interface is refused by name', () => {
    assert.equal(wasip3Refusal({ imports: ['wasi:http/types@0.3.0', 'wasi:clocks/types@0.3.0'], exports: ['wasi:http/handler@0.3.0'] }, true), null);
    assert.equal(wasip3Refusal({ imports: ['wasi:http/types@0.3.2'], exports: ['wasi:http/handler@0.3.2'] }, true), null);
    const refusal = wasip3Refusal(
      { imports: ['wasi:http/types@0.3.0', 'wasi:clocks/monotonic-clock@0.3.0', 'wasi:http/client@0.3.0'], exports: ['wasi:http/handler@0.3.0'] },
      true,
    );
    assert.match(refusal!, /serves an HTTP handler .*; not wasi:clocks\/monotonic-clock@0\.3\.0, wasi:http\/client@0\.3\.0$/);
    // A release candidate is not 0.3.x: it only matches itself.
    assert.match(wasip3Refusal({ imports: [], exports: ['wasi:http/handler@0.3.0-rc-2025-09-16'] }, true)!, /not wasi:http\/handler@0\.3\.0-rc-2025-09-16$/);
    // An import of the handler (a middleware calling the next one) is not served either.
    assert.match(wasip3Refusal({ imports: ['wasi:http/handler@0.3.0'], exports: ['wasi:http/handler@0.3.0'] }, true)!, /not wasi:http\/handler@0\.3\.0$/);
  });
});
