import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admission, AdmissionSlots } from './admission.js';
import { BusyError } from './errors.js';
import { ADMISSION_SLOTS, ADMISSION_WORDS, RUNNING, WAITING } from './ingress/types.js';

const memory = (): Int32Array => new Int32Array(ADMISSION_SLOTS * ADMISSION_WORDS);

/** Whether `promise` has settled once pending reactions ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('admission (max_instances per component)', () => {
  it('admits up to max, queues the rest in order, and hands each freed place to the next', async () => {
    const shared = memory();
    const admission = new Admission(shared, 0, 'c', 2, 10);
    await admission.acquire();
    await admission.acquire();
    const third = admission.acquire();
    const fourth = admission.acquire();
    assert.equal(admission.running, 2);
    assert.equal(admission.queued, 2);
    assert.equal(shared[WAITING], 2);
    assert.equal(await settled(third), false);
    admission.release();
    assert.equal(await settled(third), true);
    assert.equal(await settled(fourth), false);
    assert.equal(admission.running, 2);
    admission.release();
    await fourth;
    admission.release();
    admission.release();
    assert.equal(admission.running, 0);
    assert.equal(shared[WAITING], 0);
  });

  it('refuses with BusyError once the queue is full', async () => {
    const admission = new Admission(memory(), 0, 'c', 1, 1);
    await admission.acquire();
    void admission.acquire();
    await assert.rejects(admission.acquire(), (error: unknown) => error instanceof BusyError && error.maxInstances === 1 && error.queueLimit === 1);
  });

  it('starts queued invocations when max grows, and when a worker frees a place in shared memory', async () => {
    const shared = memory();
    const admission = new Admission(shared, 3, 'c', 1, 10);
    await admission.acquire();
    const second = admission.acquire();
    const third = admission.acquire();
    admission.resize(2, 10);
    await second;
    assert.equal(await settled(third), false);
    // A worker's own admission ended (worker ingress counts in the same words): the runtime wakes.
    Atomics.sub(shared, 3 * ADMISSION_WORDS + RUNNING, 1);
    admission.wake();
    await third;
    assert.equal(admission.running, 2);
  });

  it('rejects every waiter when the component stops', async () => {
    const admission = new Admission(memory(), 0, 'c', 1, 10);
    await admission.acquire();
    const waiting = admission.acquire();
    admission.rejectAll(new Error('stopped'));
    await assert.rejects(waiting, /stopped/);
    assert.equal(admission.queued, 0);
  });

  it('hands out slots, and reuses freed ones only once all were handed out, cleared', () => {
    const shared = memory();
    const slots = new AdmissionSlots(shared);
    assert.equal(slots.allocate(), 0);
    assert.equal(slots.allocate(), 1);
    shared[RUNNING] = 5;
    slots.free(0);
    assert.equal(shared[RUNNING], 0);
    for (let i = 2; i < ADMISSION_SLOTS; i++) slots.allocate();
    assert.equal(slots.allocate(), 0);
    assert.throws(() => slots.allocate(), RangeError);
  });
});
