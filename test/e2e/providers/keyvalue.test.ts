/**
 * The kv-counter example (HTTP -> JS component -> wasi:keyvalue atomics) through real hosts and
 * the keyvalue provider: memory, then the same link moved to Redis (the count continues from what
 * Redis holds), then NATS JetStream KV; and with the provider in its own process on another host.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisServer } from '../../kit/redis-server.js';
import { waitFor } from '../../kit/wait.js';
import { example, getJson, Lattice } from '../../providers/helpers.js';

const KV_LINK = { source_id: 'counter', target: 'kv', wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store', 'atomics'] };

describe('keyvalue provider end to end (kv-counter)', { timeout: 240_000 }, () => {
  let lattice: Lattice;
  let redis: RedisServer;
  let image: string;

  before(async () => {
    [lattice, redis, image] = await Promise.all([Lattice.start(), RedisServer.start(), example('kv-counter')]);
  });
  after(async () => {
    await lattice?.stop();
    await redis?.stop();
  });

  it('counts in memory, continues from Redis when the link moves there, and counts in NATS KV', async () => {
    const host = await lattice.host();
    const { ctl } = lattice;
    await ctl.scaleComponent(host.id, { component_id: 'counter', image_ref: image, count: 1 }, { timeoutMs: 60_000 });
    await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0' }, { timeoutMs: 30_000 });
    await ctl.startProvider(host.id, { provider_id: 'kv', provider_ref: 'wasmcloud+builtin://keyvalue' }, { timeoutMs: 30_000 });
    await lattice.link(KV_LINK);
    const base = await lattice.httpLink('http', 'counter');

    for (const count of [1, 2, 3]) assert.deepEqual((await getJson(`${base}/visits`)).body, { key: 'visits', count });

    // Redis already holds a count for this key (the component opens bucket "default": keys "default:<key>").
    const client = new Redis(redis.url);
    try {
      await client.set('default:visits', '41');
      await ctl.putConfig('kv-redis', { backend: 'redis', URL: redis.url });
      await lattice.link({ ...KV_LINK, target_config: ['kv-redis'] });
      await waitFor(
        'the link to move to redis',
        async () => ((await getJson(`${base}/probe`)).body as { count?: number }).count === 1 && (await client.get('default:probe')) === '1',
      );
      assert.deepEqual((await getJson(`${base}/visits`)).body, { key: 'visits', count: 42 });
      assert.equal(await client.get('default:visits'), '42');
    } finally {
      client.disconnect();
    }

    await ctl.putConfig('kv-nats', { backend: 'nats', bucket: 'counters' });
    await lattice.link({ ...KV_LINK, target_config: ['kv-nats'] });
    const kv = await waitFor('the link to move to NATS KV', async () => {
      await getJson(`${base}/visits`);
      const view = await lattice.nc.jetstream().views.kv('counters', { bindOnly: true });
      return (await view.get('visits')) ? view : null;
    });
    const before = Number(new TextDecoder().decode((await kv.get('visits'))!.value));
    assert.deepEqual((await getJson(`${base}/visits`)).body, { key: 'visits', count: before + 1 });
    assert.equal(new TextDecoder().decode((await kv.get('visits'))!.value), String(before + 1));
  });

  it('answers the component a WIT error when the backend fails or the link is gone', async () => {
    const { ctl } = lattice;
    const host = lattice.hosts[0]!;
    // A Redis nobody listens on: the increment fails with error::other, the component answers 500.
    await ctl.putConfig('kv-dead', { backend: 'redis', URL: 'redis://127.0.0.1:1' });
    await lattice.link({ ...KV_LINK, target_config: ['kv-dead'] });
    const base = `http://${(await ctl.getConfig('counter-http'))!.address}`;
    const failed = await waitFor(
      'the dead redis to be used',
      async () => {
        const r = await getJson(`${base}/dead`);
        return r.status === 500 ? r : null;
      },
      { timeoutMs: 30_000 },
    );
    assert.match(String((failed.body as { error: string }).error), /^other: /);

    await ctl.deleteLink({ source_id: 'counter', wit_namespace: 'wasi', wit_package: 'keyvalue' });
    const unlinked = await waitFor('the link to be gone', async () => {
      const r = await getJson(`${base}/gone`);
      return r.status === 500 && /no link/.test(String((r.body as { error: string }).error)) ? r : null;
    });
    assert.match(String((unlinked.body as { error: string }).error), /^other: no link for counter -> wasi:keyvalue\/store/);

    await lattice.link(KV_LINK);
    await waitFor('the re-added link to serve', async () => (await getJson(`${base}/back`)).status === 200);
    assert.ok(host);
  });

  it('serves a component on host A from a keyvalue provider in its own process on host B', async () => {
    const { ctl } = lattice;
    const hostB = await lattice.host({ runtime: false });
    await ctl.startProvider(
      hostB.id,
      { provider_id: 'kv-remote', provider_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.0', mode: 'process' },
      { timeoutMs: 30_000 },
    );
    await ctl.putConfig('kv-remote-redis', { URL: redis.url });
    await ctl.deleteLink({ source_id: 'counter', wit_namespace: 'wasi', wit_package: 'keyvalue' });
    await lattice.link({ ...KV_LINK, target: 'kv-remote', target_config: ['kv-remote-redis'] });
    const base = `http://${(await ctl.getConfig('counter-http'))!.address}`;
    const first = await waitFor(
      'the out-of-process provider to serve',
      async () => {
        const r = await getJson(`${base}/remote`);
        return r.status === 200 ? r : null;
      },
      { timeoutMs: 30_000 },
    );
    const n = (first.body as { count: number }).count;
    assert.deepEqual((await getJson(`${base}/remote`)).body, { key: 'remote', count: n + 1 });
    const client = new Redis(redis.url);
    try {
      assert.equal(await client.get('default:remote'), String(n + 1));
    } finally {
      client.disconnect();
    }
  });
});
