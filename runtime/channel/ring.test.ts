import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createRing, RingReader, RingWriter } from './ring.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('byte ring', () => {
  it('hands records over in order, whole, across the wrap-around point', () => {
    const shared = createRing(1024);
    const writer = new RingWriter(shared);
    const reader = new RingReader(shared);
    let expected = 0;
    for (let round = 0; round < 200; round++) {
      const size = (round * 37) % 300;
      const record = Uint8Array.from({ length: size }, (_, i) => (round + i) & 0xff);
      assert.ok(writer.tryWrite([record.subarray(0, size >> 1), record.subarray(size >> 1)]));
      const read = reader.next();
      assert.deepEqual(read && [...read], [...record], `record ${round}`);
      expected++;
    }
    assert.equal(reader.next(), null);
    assert.equal(expected, 200);
  });

  it('refuses a record that does not fit until the reader frees space', () => {
    const shared = createRing(1024);
    const writer = new RingWriter(shared);
    const reader = new RingReader(shared);
    const half = new Uint8Array(506);
    assert.ok(writer.tryWrite([half]));
    assert.ok(writer.tryWrite([half]));
    assert.equal(writer.tryWrite([bytes(1)]), false, 'full: 2 x (4 + 506) of 1024');
    assert.equal(writer.tryWrite([new Uint8Array(writer.maxRecord + 1)]), false, 'larger than the ring');
    assert.equal(reader.next()?.length, 506);
    assert.ok(writer.tryWrite([bytes(1, 2, 3)]));
    assert.equal(reader.next()?.length, 506);
    assert.deepEqual([...reader.next()!], [1, 2, 3]);
  });

  it('carries 100,000 records from another thread, waking the reader as they come', async () => {
    const shared = createRing(4096);
    const source = `
      const { workerData } = require('node:worker_threads');
      const header = new Int32Array(workerData, 0, 16);
      const data = new Uint8Array(workerData, 64);
      let write = 0;
      for (let n = 0; n < 100000; n++) {
        const length = 1 + (n % 13);
        while (((write - Atomics.load(header, 1)) | 0) + 4 + length > data.length) Atomics.wait(header, 1, Atomics.load(header, 1), 1);
        const record = [length & 255, 0, 0, 0]; for (let i = 0; i < length; i++) record.push((n + i) & 255);
        for (const b of record) { data[write & (data.length - 1)] = b; write = (write + 1) | 0; }
        Atomics.store(header, 0, write);
        Atomics.notify(header, 0);
      }`;
    const worker = new Worker(source, { eval: true, workerData: shared });
    const reader = new RingReader(shared);
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      for (let n = 0; n < 100000; ) {
        const record = reader.next();
        if (!record) {
          await reader.wait();
          continue;
        }
        assert.equal(record.length, 1 + (n % 13));
        assert.equal(record[record.length - 1], (n + record.length - 1) & 255);
        n++;
      }
    } finally {
      clearInterval(keepAlive);
      await worker.terminate();
    }
  });
});
