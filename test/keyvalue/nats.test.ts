import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { createNatsBackend, decodeKey, encodeKey } from '../../providers/keyvalue/backends/nats.js';
import { NatsServer } from '../kit/nats-server.js';
import { keyvalueContract } from './contract.js';

keyvalueContract('nats jetstream kv', async () => {
  const server = await NatsServer.start();
  const connections: NatsConnection[] = [];
  // A connection per backend, so the concurrency test runs two real clients.
  const conn = async () => {
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    return nc;
  };
  return {
    open: async ({ pageSize }) => createNatsBackend({ nc: await conn(), pageSize }),
    openStrict: async () => createNatsBackend({ nc: await conn(), create: false }),
    bucket: (suffix) => `kv-${suffix}`,
    dispose: async () => {
      await Promise.all(connections.map((nc) => nc.close()));
      await server.dispose();
    },
  };
});

describe('nats kv key encoding', () => {
  it('stores NATS-safe keys as they are and escapes the rest reversibly', () => {
    assert.equal(encodeKey('counter'), 'counter');
    assert.equal(encodeKey('a.b/c-d_e'), 'a.b/c-d_e');
    assert.equal(encodeKey('user:1'), 'user=3A1');
    assert.equal(encodeKey('.x'), '=2Ex');
    for (const key of ['', '=', '=41', 'a..b', 'trail.', 'ünï', 'a b*>', '😀']) {
      const stored = encodeKey(key);
      assert.match(stored, /^[-/=.\w]+$/);
      assert.ok(!stored.startsWith('.') && !stored.endsWith('.') && !stored.includes('..'), stored);
      assert.equal(decodeKey(stored), key);
    }
  });
});

describe('nats kv permissions', () => {
  it('answers access-denied when the connection may not use JetStream', async () => {
    const server = await NatsServer.start({
      extraConfig: `authorization {
  users = [
    { user: admin, password: admin }
    { user: guest, password: guest, permissions: { publish: { allow: ["_INBOX.>"] }, subscribe: { allow: ["_INBOX.>"] } } }
  ]
}`,
    });
    const admin = await connect({ servers: server.url, user: 'admin', pass: 'admin' });
    const guest = await connect({ servers: server.url, user: 'guest', pass: 'guest' });
    try {
      assert.equal((await createNatsBackend({ nc: admin }).open('secret')).tag, 'ok');
      assert.deepEqual(await createNatsBackend({ nc: guest }).open('secret'), { tag: 'err', val: { tag: 'access-denied' } });
      assert.deepEqual(await createNatsBackend({ nc: guest, create: false }).open('secret'), {
        tag: 'err',
        val: { tag: 'access-denied' },
      });
    } finally {
      await Promise.all([admin.close(), guest.close()]);
      await server.dispose();
    }
  });
});

describe('nats kv hot key', () => {
  it('keeps every one of 100 concurrent increments of one key from one provider (no lost races)', async () => {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    try {
      // Few compare-and-set attempts: without local queueing, 100 writers would exhaust them.
      const backend = createNatsBackend({ nc, maxCasAttempts: 5 });
      const opened = await backend.open('hot');
      assert.equal(opened.tag, 'ok');
      const bucket = opened.tag === 'ok' ? opened.val : assert.fail('open failed');
      const results = await Promise.all(Array.from({ length: 100 }, () => bucket.increment('hits', 1n)));
      assert.deepEqual(
        results.filter((r) => r.tag === 'err'),
        [],
      );
      const final = await bucket.get('hits');
      assert.equal(final.tag === 'ok' && final.val ? new TextDecoder().decode(final.val) : null, '100');
    } finally {
      await nc.close();
      await server.dispose();
    }
  });
});
