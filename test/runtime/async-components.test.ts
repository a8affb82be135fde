/**
 * Components that use component-model async (runtime/wasip3.ts): an `async func` export runs
 * on Node 24 and newer, where jco's glue has `WebAssembly.promising`; on Node 20 the component
 * is refused at scale time, naming the Node version it needs. The fixture (async-probe.wat)
 * answers through task.return with the callback ABI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ComponentRuntime, UnsupportedComponentError } from '../../runtime/mod.js';
import { jspiAvailable } from '../../runtime/jspi.js';
import { fixture, startRuntime } from './helpers.js';

describe('component-model async components', { timeout: 120_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;

  before(async () => {
    ({ runtime, dispose } = await startRuntime());
  });
  after(() => dispose());

  it('run an async export on Node 24 and newer; are refused on Node 20 with the Node version they need', async () => {
    const scaled = runtime.scale({ componentId: 'async-probe', imageRef: await fixture('async-probe'), count: 4 });
    if (!jspiAvailable()) {
      const error = await scaled.then(
        () => assert.fail('an async component was accepted without JSPI'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof UnsupportedComponentError, String(error));
      assert.match(error.message, /uses component-model async .* needs Node 24 or newer \(JSPI\); this host runs Node 20\./);
      return;
    }
    await scaled;
    const answers = await Promise.all(Array.from({ length: 20 }, () => runtime.invoke('async-probe', 'lattice:fixtures/async-probe', 'run', [])));
    assert.deepEqual(answers, Array(20).fill(42));
  });
});
