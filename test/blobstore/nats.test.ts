import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from 'nats';
import { createNatsBlobBackend, decodeContainer, encodeContainer } from '../../providers/blobstore/backends/nats.js';
import { NatsServer } from '../kit/nats-server.js';
import { blobstoreContract } from './contract.js';

blobstoreContract('nats object store', async () => {
  const server = await NatsServer.start();
  const nc = await connect({ servers: server.url });
  return {
    backend: createNatsBlobBackend({ nc }),
    dispose: async () => {
      await nc.close();
      await server.dispose();
    },
  };
});

describe('nats blobstore container names', () => {
  it('maps any container name to a valid bucket name and back', () => {
    assert.equal(encodeContainer('photos'), 'photos');
    assert.equal(encodeContainer('my.files'), 'my_2Efiles');
    for (const name of ['a_b', 'my files ü', '😀', '_', 'x.y/z']) {
      assert.match(encodeContainer(name), /^[A-Za-z0-9_-]+$/);
      assert.equal(decodeContainer(encodeContainer(name)), name);
    }
  });
});
