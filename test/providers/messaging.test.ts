/**
 * The messaging provider's consumer handlers called directly against a real nats-server:
 * publish and request, the lattice's reserved subjects refused on the host connection, request
 * failures as error strings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import messaging from '../../providers/messaging/index.js';
import { NatsServer } from '../kit/nats-server.js';
import { waitFor } from '../kit/wait.js';
import { DirectProvider } from './harness.js';

const CONSUMER = 'wasmcloud:messaging/consumer@0.2.0';
const enc = new TextEncoder();
const dec = new TextDecoder();

describe('messaging provider consumer handlers', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let p: DirectProvider;

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    p = await DirectProvider.start(messaging, {}, nc);
  });
  after(async () => {
    await p?.stop();
    await nc?.close();
    await server?.dispose();
  });

  it('publishes, and answers a request with the reply as a broker-message', async () => {
    const got: string[] = [];
    const sub = nc.subscribe('app.events', { callback: (_e, m) => got.push(dec.decode(m.data)) });
    const responder = nc.subscribe('app.echo', { callback: (_e, m) => m.respond(enc.encode(`re: ${dec.decode(m.data)}`)) });
    await nc.flush();
    try {
      await p.ok('app', CONSUMER, 'publish', [{ subject: 'app.events', body: enc.encode('hello'), replyTo: null }]);
      await waitFor('the published message', () => got.length === 1);
      assert.deepEqual(got, ['hello']);
      const reply = (await p.ok('app', CONSUMER, 'request', ['app.echo', enc.encode('ping'), 2000])) as {
        subject: string;
        body: Uint8Array;
        replyTo: string | null;
      };
      assert.equal(dec.decode(reply.body), 're: ping');
      assert.equal(reply.replyTo, null);
    } finally {
      sub.unsubscribe();
      responder.unsubscribe();
    }
  });

  it("refuses the lattice's reserved subjects and malformed subjects on the host connection", async () => {
    const seen: string[] = [];
    const spy = nc.subscribe('>', { callback: (_e, m) => seen.push(m.subject) });
    await nc.flush();
    try {
      for (const subject of [
        'wasmbus.ctl.v1.default.host.ping',
        'wrpc.v1.default.kv.wasi:keyvalue/store.open',
        '$JS.API.STREAM.LIST',
        'wadm.api.default.model.list',
        'a.*',
        'a..b',
        '',
      ]) {
        const r = await p.call('app', CONSUMER, 'publish', [{ subject, body: enc.encode('x'), replyTo: null }]);
        assert.equal(r.tag, 'err', `${subject} is refused`);
        assert.equal(typeof r.val, 'string');
      }
      const viaReply = await p.call('app', CONSUMER, 'publish', [
        { subject: 'ok.subject', body: enc.encode('x'), replyTo: 'wasmbus.evt.default.host_stopped' },
      ]);
      assert.equal(viaReply.tag, 'err');
      await nc.flush();
      assert.deepEqual(
        seen.filter((s) => !s.startsWith('_INBOX')),
        [],
      );
    } finally {
      spy.unsubscribe();
    }
  });

  it('answers a request nobody serves with an error string', async () => {
    const r = await p.call('app', CONSUMER, 'request', ['nobody.home', enc.encode('?'), 500]);
    assert.deepEqual(r, { tag: 'err', val: 'no responders on nobody.home' });
  });
});
