/**
 * Fresh-instance semantics for a JavaScript (componentize-js / StarlingMonkey) component: its heap
 * lives in linear memory, so a module-level counter is state the reset must take away, while
 * randomness must still differ per invocation (a reset instance must not replay its random seed).
 */
import assert from 'node:assert/strict';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildProject } from '../../components/tools/build.js';
import type { ComponentRuntime } from '../../runtime/mod.js';
import { startRuntime } from './helpers.js';

const PROJECT = fileURLToPath(new URL('../../../test/runtime/fixtures/js-state', import.meta.url));
const IFACE = 'lattice:js-state/probe';

describe('JS component state', { timeout: 300_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;

  before(async () => {
    const [built] = await buildProject(PROJECT);
    assert.ok(built);
    const image = pathToFileURL(built.wasmPath).href;
    ({ runtime, dispose } = await startRuntime());
    await runtime.scale({ componentId: 'fresh', imageRef: image, count: 2 });
    await runtime.scale({ componentId: 'reused', imageRef: image, count: 1, annotations: { 'lattice.dev/instance-reuse': 'true' } });
  });
  after(() => dispose());

  it('is reset between invocations, not instantiated per invocation', () => {
    assert.equal(runtime.get('fresh')?.instance_mode, 'reset');
  });

  it('forgets its module-level variables between invocations', async () => {
    for (let i = 0; i < 10; i++) assert.equal(await runtime.invoke('fresh', IFACE, 'count', []), 1);
  });

  it('draws new random numbers in every invocation', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const [math, bytes] = String(await runtime.invoke('fresh', IFACE, 'random', [])).split(' ');
      assert.ok(!seen.has(math!) && !seen.has(bytes!), 'a reset instance replayed its randomness');
      seen.add(math!).add(bytes!);
    }
  });

  it('keeps its variables with instance reuse (the assertion above can fail)', async () => {
    // Each worker keeps its own instance: sequential calls land on either.
    const counts: number[] = [];
    for (let i = 0; i < 6; i++) counts.push((await runtime.invoke('reused', IFACE, 'count', [])) as number);
    assert.ok(
      counts.some((n) => n >= 2),
      `an instance served a second call: ${counts.join(',')}`,
    );
  });
});
