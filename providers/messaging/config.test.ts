import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterUris, parseSubscriptions } from './config.js';

describe('messaging link config', () => {
  it("parses comma-separated subscriptions with wasmCloud's subject|queue form and a default queue_group", () => {
    assert.deepEqual(parseSubscriptions({ subscriptions: ' a.b , c.>|workers,d.*', queue_group: 'shared' }), [
      { subject: 'a.b', queue: 'shared' },
      { subject: 'c.>', queue: 'workers' },
      { subject: 'd.*', queue: 'shared' },
    ]);
    assert.deepEqual(parseSubscriptions({}), []);
  });

  it('refuses malformed entries, naming them', () => {
    assert.throws(() => parseSubscriptions({ subscriptions: 'a..b' }), /"a\.\.b"/);
    assert.throws(() => parseSubscriptions({ subscriptions: 'a|b|c' }), /"a\|b\|c"/);
    assert.throws(() => parseSubscriptions({ subscriptions: 'has space' }), /"has space"/);
  });

  it('reads cluster_uris as a server list, or null for the host connection', () => {
    assert.deepEqual(clusterUris('nats://a:4222, nats://b:4222'), ['nats://a:4222', 'nats://b:4222']);
    assert.equal(clusterUris(' '), null);
    assert.equal(clusterUris(undefined), null);
  });
});
