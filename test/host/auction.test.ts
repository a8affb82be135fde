import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { createControlClient } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { startTestHosts, stopHosts } from '../kit/hosts.js';
import { CORE_ONLY } from '../kit/hosts.js';

let server: NatsServer;
let nc: NatsConnection;
let hosts: Host[] = [];

before(async () => {
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
  const zones = ['edge', 'cloud', 'edge'];
  hosts = await startTestHosts(server.url, 3, (i) => ({ labels: { zone: zones[i] as string }, ...CORE_ONLY }));
});

after(async () => {
  await stopHosts(hosts);
  await nc?.close();
  await server?.dispose();
});

test('hosts bid only when their labels match the constraints and their runtime accepts', { timeout: 30_000 }, async () => {
  const ctl = createControlClient(nc, 'default');
  const request = { id: 'echo', image_ref: 'file:///echo.wasm' };
  assert.deepEqual(await ctl.auctionComponent({ ...request, constraints: { zone: 'edge' } }, { timeoutMs: 500 }), [], 'no runtime, no bids');

  const asked: string[] = [];
  // Hosts 0 and 1 can run it; host 2 (edge) declines, as a runtime would for an image it cannot run.
  hosts.forEach((host, i) =>
    host.control.register('component.auction', (req) => {
      asked.push(`${i}:${req.id}`);
      return i !== 2;
    }),
  );

  const edge = await ctl.auctionComponent({ ...request, constraints: { zone: 'edge' } }, { timeoutMs: 500 });
  assert.deepEqual(
    edge.map((b) => b.host_id),
    [hosts[0]!.id],
  );
  assert.deepEqual(edge[0], { host_id: hosts[0]!.id, id: 'echo', image_ref: 'file:///echo.wasm', constraints: { zone: 'edge' } });
  assert.deepEqual(asked.sort(), ['0:echo', '2:echo'], 'the runtime is asked only on hosts whose labels match');

  const any = await ctl.auctionComponent({ ...request }, { timeoutMs: 500 });
  assert.deepEqual(any.map((b) => b.host_id).sort(), [hosts[0]!.id, hosts[1]!.id].sort());

  const arch = hosts[0]!.labels.get('hostcore.arch')!;
  const both = await ctl.auctionComponent({ ...request, constraints: { zone: 'cloud', 'hostcore.arch': arch } }, { timeoutMs: 500 });
  assert.deepEqual(
    both.map((b) => b.host_id),
    [hosts[1]!.id],
  );
  assert.deepEqual(await ctl.auctionComponent({ ...request, constraints: { zone: 'mars' } }, { timeoutMs: 500 }), []);
});

test('provider auctions use the same label matching', { timeout: 30_000 }, async () => {
  const ctl = createControlClient(nc, 'default');
  const unregister = hosts.map((h) => h.control.register('provider.auction', () => true));
  const bids = await ctl.auctionProvider({ id: 'kv-redis', image_ref: 'builtin:keyvalue-redis', constraints: { zone: 'cloud' } }, { timeoutMs: 500 });
  assert.deepEqual(
    bids.map((b) => b.host_id),
    [hosts[1]!.id],
  );
  unregister.forEach((u) => u());
  assert.deepEqual(await ctl.auctionProvider({ id: 'kv-redis', image_ref: 'builtin:keyvalue-redis' }, { timeoutMs: 500 }), []);
});
