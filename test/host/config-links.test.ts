import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { ControlError, createControlClient, type Link, type LinkInput } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { startTestHost, startTestHosts, stopHosts } from '../kit/hosts.js';
import { EventRecorder } from '../kit/events.js';
import { waitFor } from '../kit/wait.js';

let server: NatsServer;
let nc: NatsConnection;
let hosts: Host[] = [];

before(async () => {
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
});

after(async () => {
  await stopHosts(hosts);
  await nc?.close();
  await server?.dispose();
});

const httpLink: LinkInput = {
  source_id: 'http-server',
  target: 'echo',
  wit_namespace: 'wasi',
  wit_package: 'http',
  interfaces: ['incoming-handler'],
  source_config: ['http-listen'],
};

const kvLink: LinkInput = {
  source_id: 'echo',
  target: 'kv-redis',
  name: 'cache',
  wit_namespace: 'wasi',
  wit_package: 'keyvalue',
  interfaces: ['store', 'atomics'],
  target_config: ['redis-url'],
};

test('link put naming config that does not exist is refused with the missing names', { timeout: 20_000 }, async () => {
  hosts = await startTestHosts(server.url, 2);
  const ctl = createControlClient(nc, 'default');
  await assert.rejects(
    ctl.putLink({ ...kvLink, source_config: ['nope-a'], target_config: ['redis-url', 'nope-b'] }),
    (e: unknown) => e instanceof ControlError && /nope-a/.test(e.message) && /nope-b/.test(e.message) && /redis-url/.test(e.message),
  );
  await ctl.putConfig('redis-url', { url: 'redis://127.0.0.1:6379' });
  await assert.rejects(
    ctl.putLink({ ...kvLink, source_config: ['nope-a'] }),
    (e: unknown) => e instanceof ControlError && /nope-a/.test(e.message) && !/redis-url/.test(e.message),
  );
  assert.deepEqual(await ctl.getLinks(), []);
});

test('config and links are stored, evented, seen live by every host, and deleted', { timeout: 20_000 }, async () => {
  const ctl = createControlClient(nc, 'default');
  const events = await EventRecorder.start(nc, 'default');
  const views = await Promise.all(hosts.map((h) => h.links.live()));
  const configViews = await Promise.all(hosts.map((h) => h.config.live()));

  await ctl.putConfig('http-listen', { address: '127.0.0.1:8080' });
  await events.waitFor('config_set', { match: (e) => e.data.config_name === 'http-listen' });
  assert.deepEqual(await ctl.getConfig('http-listen'), { address: '127.0.0.1:8080' });
  assert.equal(await ctl.getConfig('never-set'), null);

  await ctl.putLink(httpLink);
  await ctl.putLink(kvLink);
  const set = await events.waitFor('linkdef_set', { match: (e) => e.data.source_id === 'echo' });
  assert.deepEqual(set.data.interfaces, ['store', 'atomics']);
  const links = await ctl.getLinks();
  assert.deepEqual(links.map((l) => `${l.source_id}->${l.target}:${l.name}`).sort(), ['echo->kv-redis:cache', 'http-server->echo:default']);

  for (const view of views) {
    await waitFor('link view update', () => view.size === 2);
    assert.equal(view.find('echo', 'wasi', 'keyvalue', 'cache')[0]?.target, 'kv-redis');
    assert.deepEqual(
      view.from('http-server').map((l: Link) => l.target),
      ['echo'],
    );
    assert.deepEqual(
      view.to('echo').map((l: Link) => l.source_id),
      ['http-server'],
    );
  }
  for (const view of configViews) await waitFor('config view update', () => view.get('http-listen')?.address === '127.0.0.1:8080');

  // A put with the same identity replaces the link.
  await ctl.putLink({ ...kvLink, interfaces: ['store'] });
  for (const view of views) await waitFor('link replaced', () => view.find('echo', 'wasi', 'keyvalue', 'cache')[0]?.interfaces.length === 1);
  assert.equal((await ctl.getLinks()).length, 2);

  await ctl.deleteLink({ source_id: 'echo', wit_namespace: 'wasi', wit_package: 'keyvalue', name: 'cache' });
  const deleted = await events.waitFor('linkdef_deleted', { match: (e) => e.data.source_id === 'echo' });
  assert.equal(deleted.data.name, 'cache');
  for (const view of views) await waitFor('link removed from view', () => view.size === 1);

  await ctl.deleteConfig('redis-url');
  await events.waitFor('config_deleted', { match: (e) => e.data.config_name === 'redis-url' });
  assert.equal(await ctl.getConfig('redis-url'), null);
  for (const view of configViews) await waitFor('config removed from view', () => view.get('redis-url') === null);
  assert.equal(events.invalid, 0);
  events.stop();
});

test('config and links survive stopping every host: they live in JetStream', { timeout: 30_000 }, async () => {
  const ctl = createControlClient(nc, 'default');
  await stopHosts(hosts);
  hosts = [];
  assert.deepEqual(await ctl.pingHosts({ timeoutMs: 300 }), []);

  const fresh = await startTestHost(server.url);
  hosts = [fresh];
  assert.deepEqual(await ctl.getConfig('http-listen'), { address: '127.0.0.1:8080' });
  const links = await ctl.getLinks();
  assert.deepEqual(
    links.map((l) => l.source_id),
    ['http-server'],
  );
  assert.deepEqual(links[0]?.source_config, ['http-listen']);
  // The new host's live view starts from the stored state.
  assert.equal((await fresh.links.live()).find('http-server', 'wasi', 'http')[0]?.target, 'echo');
  assert.deepEqual((await fresh.config.live()).get('http-listen'), { address: '127.0.0.1:8080' });
});

test('config and links also survive a restart of the NATS server', { timeout: 30_000 }, async () => {
  await stopHosts(hosts);
  hosts = [];
  await server.restart();
  await waitFor('client reconnect', async () => {
    try {
      await nc.flush();
      return true;
    } catch {
      return false;
    }
  });
  hosts = [await startTestHost(server.url)];
  const ctl = createControlClient(nc, 'default');
  await waitFor('links readable after restart', async () => (await ctl.getLinks()).length === 1);
  assert.deepEqual(await ctl.getConfig('http-listen'), { address: '127.0.0.1:8080' });
});
