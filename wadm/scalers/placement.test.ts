import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evenSplit, splitByWeight } from './placement.js';
import type { ObservedHost } from './types.js';

describe('splitByWeight (largest remainder)', () => {
  it('splits exactly when the weights allow it', () => {
    assert.deepEqual(splitByWeight(10, [80, 20]), [8, 2]);
    assert.deepEqual(splitByWeight(5, [40, 40, 20]), [2, 2, 1]);
    assert.deepEqual(splitByWeight(12, [100]), [12]);
  });

  it('gives leftover units to the largest fractions, ties to the larger weight then manifest order', () => {
    assert.deepEqual(splitByWeight(7, [100, 100]), [4, 3]);
    assert.deepEqual(splitByWeight(7, [30, 40]), [3, 4]);
    // exact shares 9.28 / 0.66 / 8.18 / 84.88: floors 9,0,8,84 and the two spare units go to .88 and .66
    assert.deepEqual(splitByWeight(103, [42, 3, 37, 384]), [9, 1, 8, 85]);
    assert.deepEqual(splitByWeight(3, [40, 40, 20]), [1, 1, 1]);
    assert.deepEqual(splitByWeight(1, [20, 80]), [0, 1]);
  });

  it('always sums to the total', () => {
    for (let total = 0; total < 50; total++) {
      const shares = splitByWeight(total, [13, 7, 0, 29, 1]);
      assert.equal(
        shares.reduce((a, b) => a + b, 0),
        total,
      );
      assert.equal(shares[2], 0);
    }
  });

  it('returns zeros when every weight is zero', () => {
    assert.deepEqual(splitByWeight(5, [0, 0]), [0, 0]);
  });
});

describe('evenSplit', () => {
  const hosts = (ids: string[]): ObservedHost[] => ids.map((id) => ({ id, labels: {}, components: [], providers: [] }));

  it('divides evenly; the odd units depend only on the component and host ids', () => {
    const split = evenSplit(7, hosts(['a', 'b', 'c']), 'app-web');
    assert.deepEqual([...split.values()].sort(), [2, 2, 3]);
    assert.deepEqual(evenSplit(7, hosts(['c', 'a', 'b']), 'app-web'), split);
    assert.deepEqual(Object.fromEntries(evenSplit(6, hosts(['a', 'b', 'c']), 'x')), { a: 2, b: 2, c: 2 });
  });

  it('puts different components odd units on different hosts', () => {
    const first = (salt: string) => [...evenSplit(1, hosts(['a', 'b', 'c', 'd']), salt)].find(([, n]) => n === 1)![0];
    const chosen = new Set(['app-a', 'app-b', 'app-c', 'app-d', 'app-e', 'app-f'].map(first));
    assert.ok(chosen.size > 1, 'every component chose the same host');
  });

  it('leaves odd units where they already run when a host joins (nothing moves needlessly)', () => {
    for (const salt of ['app-a', 'app-b', 'app-c', 'app-d', 'app-e']) {
      const before = evenSplit(1, hosts(['edge']), salt);
      assert.deepEqual(Object.fromEntries(before), { edge: 1 });
      const after = evenSplit(1, hosts(['edge', 'cloud', 'other']), salt, before);
      assert.deepEqual(Object.fromEntries(after), { edge: 1, cloud: 0, other: 0 });
    }
    // When the extra units are spread already, the same hosts keep them.
    const now = new Map([
      ['a', 3],
      ['b', 2],
      ['c', 3],
    ]);
    assert.deepEqual(Object.fromEntries(evenSplit(8, hosts(['a', 'b', 'c']), 'x', now)), { a: 3, b: 2, c: 3 });
  });
});
