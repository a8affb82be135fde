/**
 * Suspended guests' stacks (runtime/jspi.ts, tuneJspiStacks): on Node 24+ a runtime with JSPI
 * runs them on growable stacks that start small, so that many suspended at once fit V8's stack
 * pool, and a guest that suspends 10,000 calls deep still has the room it has without JSPI (with
 * small fixed stacks it overflows: `LATTICE_JSPI_STACKS=fixed` with a small
 * `--wasm-stack-switching-stack-size` shows that).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentRuntime } from '../../runtime/mod.js';
import { jspiAvailable, tuneJspiStacks } from '../../runtime/jspi.js';
import { fixture, startRuntime } from './helpers.js';

const skip = jspiAvailable() ? false : `JSPI needs Node 24 or newer (this is Node ${process.versions.node}); npm run test:node24 runs this file`;

describe('JSPI stacks', { skip, timeout: 120_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;

  before(async () => {
    ({ runtime, dispose } = await startRuntime({
      jspi: true,
      importHandler: async (componentId, _iface, _fn, args) => {
        await sleep(2);
        return { tag: 'ok', val: `${componentId} got ${String(args[0])}` };
      },
    }));
    await runtime.scale({ componentId: 'deep', imageRef: await fixture('deep-relay'), count: 50 });
  });
  after(() => dispose());

  it('runs suspended guests on growable stacks', () => {
    assert.equal(tuneJspiStacks(), 'growable');
  });

  it('suspends guests 10,000 calls deep, 50 at once, and resumes each', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => runtime.invoke('deep', 'lattice:fixtures/echo', 'relay', [`deep:${i}`])));
    answers.forEach((answer, i) => assert.equal(answer, `deep got deep:${i}`));
  });
});
