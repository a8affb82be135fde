import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryBudget } from './memory-budget.js';

describe('memoryBudget', () => {
  it('gives a Pi-sized host one idle worker and a small guest memory cap', () => {
    assert.deepEqual(memoryBudget(128, 4), { poolSize: 1, maxPoolSize: 2, defaults: { memoryMiB: 16 } });
  });
  it('grows with the budget but never past the CPUs for idle workers or 256 MiB per guest', () => {
    const big = memoryBudget(8192, 4);
    assert.equal(big.poolSize, 4);
    assert.equal(big.maxPoolSize, 16);
    assert.equal(big.defaults.memoryMiB, 256);
  });
  it('keeps at least one worker below the host base', () => {
    assert.deepEqual(memoryBudget(40, 2), { poolSize: 1, maxPoolSize: 1, defaults: { memoryMiB: 16 } });
  });
  it('refuses values that are not positive integers', () => {
    assert.throws(() => memoryBudget(0), RangeError);
    assert.throws(() => memoryBudget(1.5), RangeError);
  });
});
