/**
 * The echo-messaging example (wasmcloud:messaging handler + consumer) through a real host and the
 * messaging provider: NATS requests on a subscribed subject are answered by the component; a queue
 * subscription shares messages with other members of its group; deleting the link unsubscribes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createInbox, type NatsConnection } from 'nats';
import { waitFor } from '../../kit/wait.js';
import { example, Lattice } from '../../providers/helpers.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function handlerLink(config: string) {
  return {
    source_id: 'nats-msg',
    target: 'echo',
    wit_namespace: 'wasmcloud',
    wit_package: 'messaging',
    interfaces: ['handler'],
    source_config: [config],
  };
}

async function ask(nc: NatsConnection, subject: string, body: string): Promise<string | null> {
  try {
    return dec.decode((await nc.request(subject, enc.encode(body), { timeout: 3_000 })).data);
  } catch {
    return null;
  }
}

describe('messaging provider end to end (echo-messaging)', { timeout: 240_000 }, () => {
  let lattice: Lattice;
  let image: string;

  before(async () => {
    [lattice, image] = await Promise.all([Lattice.start(), example('echo-messaging')]);
  });
  after(() => lattice?.stop());

  it('delivers messages on the subscribed subject to the component, which replies through consumer.publish', async () => {
    const host = await lattice.host();
    const { ctl, nc } = lattice;
    await ctl.scaleComponent(host.id, { component_id: 'echo', image_ref: image, count: 1 }, { timeoutMs: 60_000 });
    await ctl.startProvider(host.id, { provider_id: 'nats-msg', provider_ref: 'ghcr.io/wasmcloud/messaging-nats:0.27.0' }, { timeoutMs: 30_000 });
    await ctl.putConfig('echo-subscription', { subscriptions: 'lattice.echo, lattice.echo2' });
    await lattice.link(handlerLink('echo-subscription'));
    await lattice.link({ source_id: 'echo', target: 'nats-msg', wit_namespace: 'wasmcloud', wit_package: 'messaging', interfaces: ['consumer'] });

    assert.equal(await waitFor('the echo reply', () => ask(nc, 'lattice.echo', 'ping'), { timeoutMs: 30_000 }), 'echo: ping');
    assert.equal(await ask(nc, 'lattice.echo2', 'second subject'), 'echo: second subject');
    const big = 'x'.repeat(200_000);
    assert.equal(await ask(nc, 'lattice.echo', big), `echo: ${big}`);
  });

  it('shares a queue subscription with the other members of its group', async () => {
    const { ctl, nc } = lattice;
    await ctl.putConfig('echo-queue', { subscriptions: 'lattice.work|workers' });
    await lattice.link({ ...handlerLink('echo-queue'), name: 'queue' });
    // Another member of the same queue group, answering differently.
    const member = nc.subscribe('lattice.work', { queue: 'workers', callback: (_e, m) => m.respond(enc.encode('member')) });
    try {
      await waitFor('the component to join the queue group', async () => (await ask(nc, 'lattice.work', 'hi'))?.startsWith('echo: '), { timeoutMs: 30_000 });
      // Each message goes to exactly one member: one reply per message, from either side.
      const inbox = createInbox();
      const replies: string[] = [];
      const sub = nc.subscribe(inbox, { callback: (_e, m) => replies.push(dec.decode(m.data)) });
      for (let i = 0; i < 40; i++) nc.publish('lattice.work', enc.encode(`m${i}`), { reply: inbox });
      await waitFor('40 replies', () => replies.length >= 40, { timeoutMs: 20_000 });
      await nc.flush();
      sub.unsubscribe();
      assert.equal(replies.length, 40);
      assert.ok(
        replies.some((r) => r === 'member'),
        'the other member got some messages',
      );
      assert.ok(
        replies.some((r) => r.startsWith('echo: m')),
        'the component got some messages',
      );
    } finally {
      member.unsubscribe();
    }
  });

  it('unsubscribes when the handler link is deleted and subscribes again when it is put back', async () => {
    const { ctl, nc } = lattice;
    await ctl.deleteLink({ source_id: 'nats-msg', wit_namespace: 'wasmcloud', wit_package: 'messaging' });
    await waitFor('the subscription to go away', async () => (await ask(nc, 'lattice.echo', 'anyone?')) === null, { timeoutMs: 20_000 });
    await lattice.link(handlerLink('echo-subscription'));
    assert.equal(await waitFor('the echo reply again', () => ask(nc, 'lattice.echo', 'back'), { timeoutMs: 20_000 }), 'echo: back');
  });

  it('delivers from a messaging provider running in its own process', async () => {
    const { ctl, nc } = lattice;
    const host = lattice.hosts[0]!;
    await ctl.startProvider(
      host.id,
      { provider_id: 'nats-msg-proc', provider_ref: 'ghcr.io/wasmcloud/messaging-nats:0.27.0', mode: 'process' },
      { timeoutMs: 30_000 },
    );
    await ctl.putConfig('echo-proc', { subscriptions: 'lattice.proc' });
    await lattice.link({ ...handlerLink('echo-proc'), source_id: 'nats-msg-proc' });
    assert.equal(await waitFor('the reply through the out-of-process provider', () => ask(nc, 'lattice.proc', 'far'), { timeoutMs: 30_000 }), 'echo: far');
  });
});
