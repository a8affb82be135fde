import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedisBackend } from '../../providers/keyvalue/backends/redis.js';
import { freePort } from '../kit/ports.js';
import { RedisServer } from '../kit/redis-server.js';
import { keyvalueContract } from './contract.js';

keyvalueContract('redis', async () => {
  const server = await RedisServer.start();
  return {
    open: async ({ pageSize }) => createRedisBackend({ url: server.url, pageSize }),
    openStrict: null,
    bucket: (suffix) => `redis-${suffix}`,
    dispose: () => server.stop(),
  };
});

describe('redis backend failures', () => {
  it('answers error::other, not an exception or a hang, when Redis is unreachable', async () => {
    const port = await freePort();
    const backend = createRedisBackend({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 500 });
    try {
      const opened = await backend.open('b');
      assert.equal(opened.tag, 'ok');
      if (opened.tag !== 'ok') return;
      const result = await opened.val.get('k');
      assert.equal(result.tag, 'err');
      assert.equal(result.tag === 'err' && result.val.tag, 'other');
    } finally {
      await backend.close();
    }
  });
});
