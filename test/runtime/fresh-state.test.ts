/**
 * Fresh-instance semantics (the default) are given by resetting an instance to its
 * post-instantiation state after each invocation. The state fixture keeps state in every place a
 * core instance has it; these tests prove that none of it reaches the next invocation, that the
 * runtime really resets (instead of quietly instantiating anew), and that the same fixture with
 * instance reuse does see its state move on (so the assertions can fail).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ComponentRuntime } from '../../runtime/mod.js';
import { fixture, startRuntime } from './helpers.js';

const IFACE = 'lattice:fixtures/state-probe';
const FUNCTIONS = ['bump', 'grow', 'swap', 'leak'] as const;

describe('fresh-instance semantics by reset', { timeout: 120_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;

  before(async () => {
    ({ runtime, dispose } = await startRuntime());
    await runtime.scale({ componentId: 'fresh', imageRef: await fixture('state'), count: 4 });
    await runtime.scale({ componentId: 'reused', imageRef: await fixture('state'), count: 4, annotations: { 'lattice.dev/instance-reuse': 'true' } });
  });
  after(() => dispose());

  const call = (id: string, fn: string): Promise<number> => runtime.invoke(id, IFACE, fn, []) as Promise<number>;

  it('resets instances rather than instantiating them', () => {
    assert.equal(runtime.get('fresh')?.instance_mode, 'reset');
    assert.equal(runtime.get('reused')?.instance_mode, 'reuse');
  });

  for (const fn of FUNCTIONS) {
    it(`${fn}: every invocation sees the state right after instantiation`, async () => {
      const first = await call('fresh', fn);
      const sequential: number[] = [];
      for (let i = 0; i < 20; i++) sequential.push(await call('fresh', fn));
      const concurrent = await Promise.all(Array.from({ length: 20 }, () => call('fresh', fn)));
      for (const answer of [...sequential, ...concurrent]) assert.equal(answer, first);
    });
  }

  it('answers what a new instance answers: memory and global counters at 1, one page grown, slot 0, the first handle', async () => {
    assert.equal(await call('fresh', 'bump'), 1001);
    assert.equal(await call('fresh', 'grow'), 2);
    assert.equal(await call('fresh', 'swap'), 1);
    const leaked = await call('fresh', 'leak');
    assert.equal(await call('fresh', 'leak'), leaked);
  });

  it('with instance reuse the same calls do see the previous state', async () => {
    const bumps: number[] = [];
    for (let i = 0; i < 6; i++) bumps.push(await call('reused', 'bump'));
    assert.ok(
      bumps.some((n) => n >= 2002),
      `an instance served a second bump: ${bumps.join(',')}`,
    );
    const swaps: number[] = [];
    for (let i = 0; i < 6; i++) swaps.push(await call('reused', 'swap'));
    assert.ok(swaps.includes(2), `a reused instance sees its table write: ${swaps.join(',')}`);
    const grows: number[] = [];
    for (let i = 0; i < 6; i++) grows.push(await call('reused', 'grow'));
    assert.ok(
      grows.some((n) => n > 2),
      `a reused instance keeps its grown memory: ${grows.join(',')}`,
    );
  });

  it('instantiates only when an instance cannot be reset (a grown memory)', async () => {
    await runtime.scale({ componentId: 'counted', imageRef: await fixture('state'), count: 1 });
    // Pre-instantiation: one spare per worker, whenever the worker got to it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = runtime.get('counted')!.instantiations;
    for (let i = 0; i < 50; i++) await call('counted', 'bump');
    const afterBumps = runtime.get('counted')!.instantiations;
    assert.ok(afterBumps - before <= 2, `50 invocations created ${afterBumps - before} instances`);
    for (let i = 0; i < 5; i++) assert.equal(await call('counted', 'grow'), 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(runtime.get('counted')!.instantiations - afterBumps >= 5, 'every grown instance was replaced');
  });
});
