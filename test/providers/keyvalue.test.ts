/**
 * The keyvalue provider's handlers called directly (no host): bucket selection by link target
 * config and by link name, create=false giving no-such-store, handles scoped to their component,
 * batch and list-keys, and a Redis link picked per link.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { Redis } from 'ioredis';
import keyvalue from '../../providers/keyvalue/index.js';
import { NatsServer } from '../kit/nats-server.js';
import { RedisServer } from '../kit/redis-server.js';
import { DirectProvider } from './harness.js';

const S = 'wasi:keyvalue/store@0.2.0-draft';
const A = 'wasi:keyvalue/atomics@0.2.0-draft';
const BATCH = 'wasi:keyvalue/batch@0.2.0-draft';
const enc = new TextEncoder();
const dec = new TextDecoder();

const link = (source: string, name: string, config: Record<string, string>) =>
  DirectProvider.targetLink({ source_id: source, name, wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store', 'atomics', 'batch'] }, config);

describe('keyvalue provider handlers', () => {
  let server: NatsServer;
  let redis: RedisServer;
  let nc: NatsConnection;
  let p: DirectProvider;

  before(async () => {
    [server, redis] = await Promise.all([NatsServer.start(), RedisServer.start()]);
    nc = await connect({ servers: server.url });
    p = await DirectProvider.start(keyvalue, { backend: 'memory' }, nc);
  });
  after(async () => {
    await p?.stop();
    await nc?.close();
    await server?.dispose();
    await redis?.stop();
  });

  it("reaches each of a component's buckets by opening its link name", async () => {
    const cache = link('app', 'cache', { bucket: 'cache-bucket' });
    const sessions = link('app', 'sessions', { backend: 'nats', bucket: 'sessions' });
    await p.addLink(cache);
    await p.addLink(sessions);
    const def = link('app', 'default', {});
    const c = await p.ok('app', S, 'open', ['cache'], def);
    const s = await p.ok('app', S, 'open', ['sessions'], def);
    await p.ok('app', S, '[method]bucket.set', [c, 'k', enc.encode('in memory')], def);
    await p.ok('app', S, '[method]bucket.set', [s, 'k', enc.encode('in nats')], def);
    assert.equal(dec.decode((await p.ok('app', S, '[method]bucket.get', [c, 'k'])) as Uint8Array), 'in memory');
    const kv = await nc.jetstream().views.kv('sessions', { bindOnly: true });
    assert.equal(dec.decode((await kv.get('k'))!.value), 'in nats');
    // Any other identifier opens that bucket through the calling link.
    const other = await p.ok('app', S, 'open', ['scratch'], def);
    assert.equal(await p.ok('app', S, '[method]bucket.get', [other, 'k']), null);
  });

  it('answers no-such-store for an unknown bucket when buckets are not created on open', async () => {
    const strict = link('strict-app', 'default', { create: 'false' });
    assert.deepEqual(await p.call('strict-app', S, 'open', ['missing'], strict), { tag: 'err', val: { tag: 'no-such-store' } });
    const natsStrict = link('strict-app', 'default', { backend: 'nats', create: 'false' });
    assert.deepEqual(await p.call('strict-app', S, 'open', ['missing'], natsStrict), { tag: 'err', val: { tag: 'no-such-store' } });
  });

  it('refuses a bucket handle presented by another component', async () => {
    const mine = await p.ok('owner', S, 'open', ['private'], link('owner', 'default', {}));
    await p.ok('owner', S, '[method]bucket.set', [mine, 'secret', enc.encode('x')]);
    const stolen = await p.call('thief', S, '[method]bucket.get', [mine, 'secret']);
    assert.equal(stolen.tag, 'err');
    assert.equal((stolen.val as { tag: string }).tag, 'other');
    await p.ok('owner', S, '[resource-drop]bucket', [mine]);
    assert.equal((await p.call('owner', S, '[method]bucket.get', [mine, 'secret'])).tag, 'err');
  });

  it('serves atomics, batch and list-keys', async () => {
    const l = link('batcher', 'default', { bucket: 'batch' });
    const b = await p.ok('batcher', S, 'open', [''], l);
    assert.equal(await p.ok('batcher', A, 'increment', [b, 'n', 5n]), 5n);
    assert.equal(await p.ok('batcher', A, 'increment', [b, 'n', 2n]), 7n);
    await p.ok('batcher', BATCH, 'set-many', [
      b,
      [
        ['a', enc.encode('1')],
        ['b', enc.encode('2')],
      ],
    ]);
    assert.deepEqual(await p.ok('batcher', BATCH, 'get-many', [b, ['a', 'zz']]), [['a', enc.encode('1')], null]);
    const page = (await p.ok('batcher', S, '[method]bucket.list-keys', [b, null])) as { keys: string[]; cursor: bigint | null };
    assert.deepEqual(page.keys.sort(), ['a', 'b', 'n']);
    await p.ok('batcher', BATCH, 'delete-many', [b, ['a', 'b']]);
    assert.equal(await p.ok('batcher', S, '[method]bucket.exists', [b, 'a']), false);
    const bad = await p.call('batcher', A, 'increment', [b, 'n', 'one']);
    assert.deepEqual(bad, { tag: 'err', val: { tag: 'other', val: 'delta must be a u64' } });
  });

  it("uses Redis for a link that names it (URL, wasmCloud's spelling) and reports a bad url as error::other", async () => {
    const r = link('redis-app', 'default', { backend: 'redis', URL: redis.url });
    const b = await p.ok('redis-app', S, 'open', ['ns'], r);
    assert.equal(await p.ok('redis-app', A, 'increment', [b, 'hits', 3n]), 3n);
    const client = new Redis(redis.url);
    try {
      assert.equal(await client.get('ns:hits'), '3');
    } finally {
      client.disconnect();
    }
    const wrong = await p.call('redis-app', S, 'open', ['ns'], link('redis-app', 'default', { backend: 'redis', url: 'http://nope' }));
    assert.equal(wrong.tag, 'err');
    assert.match((wrong.val as { val: string }).val, /must start with redis:\/\//);
    const invalid = await p.call('redis-app', S, 'open', ['ns'], link('redis-app', 'default', { backend: 'etcd' }));
    assert.match((invalid.val as { val: string }).val, /link config is invalid: backend/);
  });
});
