import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkTracker } from './work-tracker.js';

test('drain waits for tracked work and refuses new work meanwhile', async () => {
  const work = new WorkTracker();
  let release!: () => void;
  work.track(new Promise<void>((r) => (release = r)));
  const end = work.tryBegin();
  assert.ok(end);
  assert.equal(work.pending, 2);
  const drained = work.drain(5_000);
  assert.equal(work.tryBegin(), null, 'closed for new work');
  end();
  end(); // ending twice counts once
  assert.equal(work.pending, 1);
  release();
  assert.deepEqual(await drained, { drained: true, pending: 0 });
});

test('drain returns at the deadline with what is left', async () => {
  const work = new WorkTracker();
  work.begin();
  assert.deepEqual(await work.drain(50), { drained: false, pending: 1 });
});

test('a rejected promise still ends its work', async () => {
  const work = new WorkTracker();
  await assert.rejects(work.track(Promise.reject(new Error('boom'))));
  await new Promise((r) => setImmediate(r));
  assert.equal(work.pending, 0);
});
