import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { CtlEnvelope, MAX_CTL_REQUEST_BYTES, createControlClient, ctl, ctlPrefix, decodeJson, encodeJson, fail } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { startTestHost, stopHosts } from '../kit/hosts.js';
import { CORE_ONLY } from '../kit/hosts.js';

let server: NatsServer;
let nc: NatsConnection;
let host: Host;

before(async () => {
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
  host = await startTestHost(server.url, CORE_ONLY);
});

after(async () => {
  await stopHosts([host]);
  await nc?.close();
  await server?.dispose();
});

/** Sends raw bytes and returns the envelope the host answered with. */
async function raw(subject: string, body: Uint8Array | string): Promise<CtlEnvelope> {
  const data = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const reply = await nc.request(subject, data, { timeout: 5_000 });
  return CtlEnvelope.parse(decodeJson(reply.data));
}

async function assertStillServing(): Promise<void> {
  const ping = await createControlClient(nc, 'default').pingHosts({ timeoutMs: 500 });
  assert.deepEqual(
    ping.map((h) => h.id),
    [host.id],
    'the host still answers ping',
  );
}

test('bad JSON is answered with success:false naming the problem', async () => {
  for (const subject of [ctl.labelPut('default', host.id), ctl.linkPut('default'), ctl.configPut('default', 'c'), ctl.hostPing('default')]) {
    const reply = await raw(subject, '{"key": "zone", ');
    assert.equal(reply.success, false, subject);
    assert.match(reply.message, /not valid JSON/, subject);
  }
  await assertStillServing();
});

test('wrong fields are answered with success:false naming each field', async () => {
  const label = await raw(ctl.labelPut('default', host.id), JSON.stringify({ key: 'zone', value: 7, extra: true }));
  assert.equal(label.success, false);
  assert.match(label.message, /value/);
  assert.match(label.message, /extra/);

  const link = await raw(ctl.linkPut('default'), JSON.stringify({ source_id: 'a b', target: 'x', wit_namespace: 'wasi', wit_package: 'http', interfaces: [] }));
  assert.equal(link.success, false);
  assert.match(link.message, /source_id/);
  assert.match(link.message, /interfaces/);

  const config = await raw(ctl.configPut('default', 'c'), JSON.stringify({ key: 42 }));
  assert.equal(config.success, false);
  assert.match(config.message, /key/);

  const badName = await raw(ctl.configGet('default', 'bad:name'), '{}');
  assert.equal(badName.success, false);
  assert.match(badName.message, /config name/);

  const notAnObject = await raw(ctl.labelDel('default', host.id), '[1,2,3]');
  assert.equal(notAnObject.success, false);
  await assertStillServing();
});

test('unknown operations and verbs are answered with success:false', async () => {
  const hostVerb = await raw(`${ctlPrefix('default')}.host.explode.${host.id}`, '{}');
  assert.equal(hostVerb.success, false);
  assert.match(hostVerb.message, /unknown control operation "host.explode"/);

  const linkVerb = await raw(`${ctlPrefix('default')}.link.frobnicate`, '{}');
  assert.equal(linkVerb.success, false);
  assert.match(linkVerb.message, /link.frobnicate/);

  const noun = await raw(`${ctlPrefix('default')}.widget.make.${host.id}`, '{}');
  assert.equal(noun.success, false);
  assert.match(noun.message, /widget.make/);
  await assertStillServing();
});

test('a payload near the maximum size is refused, not processed', { timeout: 20_000 }, async () => {
  const big = JSON.stringify({ blob: 'x'.repeat(1_000_000 - 100) });
  assert.ok(big.length > MAX_CTL_REQUEST_BYTES);
  for (const subject of [ctl.configPut('default', 'big'), ctl.labelPut('default', host.id)]) {
    const reply = await raw(subject, big);
    assert.equal(reply.success, false);
    assert.match(reply.message, /bytes; the limit is/);
  }
  const garbage = new Uint8Array(900_000).fill(0xff);
  const reply = await raw(ctl.linkPut('default'), garbage);
  assert.equal(reply.success, false);
  assert.equal(await createControlClient(nc, 'default').getConfig('big'), null);
  await assertStillServing();
});

test('operations without a registered runtime say so; a throwing handler does not crash the host', async () => {
  const scale = await raw(ctl.componentScale('default', host.id), JSON.stringify({ component_id: 'echo', image_ref: 'file:///x.wasm', count: 1 }));
  assert.equal(scale.success, false);
  assert.match(scale.message, /not supported by this host/);

  const invalidScale = await raw(ctl.componentScale('default', host.id), JSON.stringify({ component_id: 'echo', count: -1 }));
  assert.equal(invalidScale.success, false);
  assert.match(invalidScale.message, /image_ref/);
  assert.match(invalidScale.message, /count/);

  const unregister = host.control.register('provider.start', () => {
    throw new Error('provider binary is corrupt');
  });
  try {
    const start = await raw(ctl.providerStart('default', host.id), JSON.stringify({ provider_id: 'kv', provider_ref: 'builtin:kv' }));
    assert.equal(start.success, false);
    assert.match(start.message, /provider binary is corrupt/);
  } finally {
    unregister();
  }
  assert.throws(() => host.control.register('host.ping' as never, (() => fail('x')) as never), /not an operation/);
  await assertStillServing();
});

test('a burst of malformed requests does not wedge the host', { timeout: 20_000 }, async () => {
  const subjects = [ctl.labelPut('default', host.id), ctl.linkPut('default'), `${ctlPrefix('default')}.host.nope.${host.id}`];
  const replies = await Promise.all(
    Array.from({ length: 300 }, (_, i) => raw(subjects[i % subjects.length] as string, i % 2 ? '{' : encodeJson({ wrong: i }))),
  );
  assert.ok(replies.every((r) => r.success === false));
  await assertStillServing();
});
