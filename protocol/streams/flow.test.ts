import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { beatInterval, creditToGrant, drainDue, grantedCredit, HIGH_WATER, idleLimit, MIN_IDLE_MS, mayResume, WINDOW } from './flow.js';

/** A deterministic sequence in [0, 1): the simulations must fail the same way every run. */
function rng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('credit window (between connections)', () => {
  it('grants nothing until half the window is taken, then everything taken', () => {
    for (let taken = 0; taken < WINDOW / 2; taken++) assert.equal(creditToGrant(taken), 0, `after ${taken}`);
    assert.equal(creditToGrant(WINDOW / 2), WINDOW / 2);
    assert.equal(creditToGrant(WINDOW), WINDOW);
  });

  it('counts only positive integer grants', () => {
    assert.equal(grantedCredit('16'), 16);
    assert.equal(grantedCredit('1'), 1);
    for (const header of [undefined, '', '0', '-3', '2.5', 'many', 'NaN']) assert.equal(grantedCredit(header), 0, String(header));
  });

  it('keeps at most WINDOW messages in flight and never stalls, whatever the reader pace', () => {
    for (const seed of [1, 7, 42, 1234]) {
      const random = rng(seed);
      const total = 500;
      let credit = grantedCredit(String(WINDOW));
      let sent = 0;
      let inFlight = 0;
      let read = 0;
      let taken = 0;
      let maxInFlight = 0;
      for (let step = 0; read < total; step++) {
        assert.ok(step < 100_000, `stalled with ${read} of ${total} read (seed ${seed})`);
        // The producer sends what its credit allows, a random share of it per step.
        while (credit > 0 && sent < total && random() < 0.7) {
          sent++;
          credit--;
          inFlight++;
        }
        maxInFlight = Math.max(maxInFlight, inFlight);
        // The reader takes at its own pace and grants as the rule says.
        if (inFlight > 0 && random() < 0.5) {
          inFlight--;
          read++;
          const grant = creditToGrant(++taken);
          if (grant > 0) {
            credit += grantedCredit(String(grant));
            taken = 0;
          }
        }
      }
      assert.ok(maxInFlight <= WINDOW, `${maxInFlight} in flight (seed ${seed})`);
      assert.equal(sent, total);
    }
  });
});

describe('idle limits', () => {
  it('never waits less than the minimum, and beats three times per limit', () => {
    assert.equal(idleLimit(undefined), MIN_IDLE_MS);
    assert.equal(idleLimit(10), MIN_IDLE_MS);
    assert.equal(idleLimit(30_000), 30_000);
    assert.equal(beatInterval(30_000), 10_000);
    assert.equal(beatInterval(idleLimit(10)), MIN_IDLE_MS / 3);
    assert.equal(beatInterval(300), 250, 'a floor, so a short limit does not flood the connection');
  });
});

describe('high-water mark (between the main thread and a worker)', () => {
  it('makes the writer wait at HIGH_WATER bytes and lets it go on below HIGH_WATER queued', () => {
    assert.equal(drainDue(HIGH_WATER - 1), false);
    assert.equal(drainDue(HIGH_WATER), true);
    assert.equal(mayResume(HIGH_WATER - 1), true);
    assert.equal(mayResume(HIGH_WATER), false);
  });

  it('bounds what queues for a slow reader to two marks and a chunk', () => {
    for (const chunk of [1, 4096, 64 * 1024, HIGH_WATER - 1, HIGH_WATER + 7]) {
      const random = rng(chunk);
      let queued = 0;
      let unsynced = 0;
      let waiting = false;
      let maxQueued = 0;
      let written = 0;
      for (let step = 0; step < 20_000; step++) {
        if (waiting && mayResume(queued)) waiting = false;
        if (!waiting) {
          queued += chunk;
          written += chunk;
          unsynced += chunk;
          if (drainDue(unsynced)) {
            unsynced = 0;
            waiting = true;
          }
        }
        maxQueued = Math.max(maxQueued, queued);
        // The reader is slower than the writer: it takes a chunk a third of the time.
        if (queued > 0 && random() < 0.33) queued -= Math.min(queued, chunk);
      }
      assert.ok(maxQueued < 2 * HIGH_WATER + chunk, `chunk ${chunk}: ${maxQueued} bytes queued`);
      assert.ok(written > 2 * HIGH_WATER || written === 20_000 * chunk, `chunk ${chunk}: the writer stalled after ${written} bytes`);
    }
  });
});
