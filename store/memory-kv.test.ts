import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvRevisionError } from './kv-bucket.js';
import { MemoryKvBucket } from './memory-kv.js';

const bytes = (n: number) => new Uint8Array([n]);

describe('MemoryKvBucket compare-and-set', () => {
  it('create refuses a live key with KvRevisionError, but takes a deleted one', async () => {
    const bucket = new MemoryKvBucket('B');
    const first = await bucket.create('k', bytes(1));
    await assert.rejects(bucket.create('k', bytes(2)), (e: unknown) => e instanceof KvRevisionError && e.key === 'k' && e.expected === 0);
    assert.deepEqual(await bucket.entry('k'), { value: bytes(1), revision: first });
    await bucket.delete('k');
    const again = await bucket.create('k', bytes(3));
    assert.ok(again > first);
    assert.deepEqual(await bucket.get('k'), bytes(3));
  });

  it('update and a conditional delete need the last revision of the key', async () => {
    const bucket = new MemoryKvBucket('B');
    const r1 = await bucket.create('k', bytes(1));
    await bucket.put('other', bytes(9)); // revisions count the whole bucket, as in JetStream
    const r2 = await bucket.update('k', bytes(2), r1);
    assert.ok(r2 > r1 + 1);
    await assert.rejects(bucket.update('k', bytes(3), r1), KvRevisionError);
    await assert.rejects(bucket.update('never', bytes(3), r1), KvRevisionError);
    await assert.rejects(bucket.delete('k', r1), KvRevisionError);
    assert.deepEqual(await bucket.get('k'), bytes(2));
    await bucket.delete('k', r2);
    assert.equal(await bucket.entry('k'), null);
    await assert.rejects(bucket.update('k', bytes(4), 0), RangeError);
  });

  it('of two writers updating from the same revision, exactly one lands', async () => {
    const bucket = new MemoryKvBucket('B');
    const seen = await bucket.create('k', bytes(0));
    const outcomes = await Promise.allSettled([bucket.update('k', bytes(1), seen), bucket.update('k', bytes(2), seen)]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected'],
    );
    assert.deepEqual(await bucket.get('k'), bytes(1));
  });

  it('purge removes the key; watchers hear it as a deletion', async () => {
    const bucket = new MemoryKvBucket('B');
    await bucket.put('k', bytes(1));
    const seen: string[] = [];
    const watch = await bucket.watch(() => {});
    await bucket.purge('k');
    for await (const change of watch) {
      seen.push(`${change.key}=${change.value ? change.value[0] : 'gone'}`);
      if (seen.length === 2) watch.stop();
    }
    assert.deepEqual(seen, ['k=1', 'k=gone']);
    assert.deepEqual(await bucket.keys(), []);
  });

  it('with a TTL, a value lapses on the injected clock, revision and all', async () => {
    let now = 1_000;
    const bucket = new MemoryKvBucket('LEASE', { ttlMs: 100, now: () => now });
    const r1 = await bucket.create('k', bytes(1));
    now += 99;
    await assert.rejects(bucket.create('k', bytes(2)), KvRevisionError);
    const r2 = await bucket.update('k', bytes(2), r1);
    now += 99; // 99 ms after the update: still there
    assert.deepEqual(await bucket.keys(), ['k']);
    now += 1;
    assert.equal(await bucket.get('k'), null);
    assert.deepEqual(await bucket.keys(), []);
    await assert.rejects(bucket.update('k', bytes(3), r2), KvRevisionError);
    await bucket.create('k', bytes(4));
  });
});
