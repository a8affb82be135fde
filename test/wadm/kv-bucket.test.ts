/**
 * The JetStream bucket's compare-and-set meets the same rules as the memory one
 * (store/memory-kv.test.ts), which the wadm stores' unit tests run on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { JetStreamKvBucket } from '../../store/jetstream-kv.js';
import { KvRevisionError } from '../../store/kv-bucket.js';
import { NatsServer } from '../kit/nats-server.js';

const bytes = (n: number) => new Uint8Array([n]);

describe('JetStreamKvBucket compare-and-set', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let bucket: JetStreamKvBucket;

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    bucket = await JetStreamKvBucket.open(nc, 'cas-test');
  });
  after(async () => {
    await nc.close();
    await server.dispose();
  });

  it('create, update and a conditional delete refuse a lost race with KvRevisionError', async () => {
    const r1 = await bucket.create('k', bytes(1));
    await assert.rejects(bucket.create('k', bytes(2)), (e: unknown) => e instanceof KvRevisionError && e.expected === 0);
    const r2 = await bucket.update('k', bytes(2), r1);
    await assert.rejects(bucket.update('k', bytes(3), r1), (e: unknown) => e instanceof KvRevisionError && e.expected === r1);
    await assert.rejects(bucket.delete('k', r1), KvRevisionError);
    await assert.rejects(bucket.update('k', bytes(4), 0), RangeError);
    const entry = await bucket.entry('k');
    assert.deepEqual([entry?.revision, [...(entry?.value ?? [])]], [r2, [2]]);
    await bucket.delete('k', r2);
    assert.equal(await bucket.entry('k'), null);
    await bucket.create('k', bytes(5));
    assert.deepEqual([...((await bucket.get('k')) ?? [])], [5]);
  });

  it('lists the live keys only, purged and deleted ones left out', async () => {
    for (const key of ['a', 'b', 'c', 'd']) await bucket.put(key, bytes(1));
    await bucket.purge('a');
    await bucket.delete('b');
    assert.deepEqual((await bucket.keys()).sort(), ['c', 'd', 'k']);
  });
});
