import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { createControlClient } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { startTestHost, stopHosts } from '../kit/hosts.js';
import { EventRecorder } from '../kit/events.js';
import { waitFor } from '../kit/wait.js';

let server: NatsServer;
let observer: NatsConnection;
let host: Host;

before(async () => {
  server = await NatsServer.start();
  host = await startTestHost(server.url, { heartbeatIntervalMs: 200 });
});

after(async () => {
  await stopHosts([host]);
  await observer?.close();
  await server?.dispose();
});

test('after the NATS server restarts the host re-announces itself and keeps serving', { timeout: 60_000 }, async () => {
  host.inventory.upsertComponent({ id: 'echo', image_ref: 'file:///echo.wasm', annotations: {}, max_instances: 1, revision: 0 });
  await server.restart();
  const restartedAt = Date.now();
  // A fresh observer: it only sees what the host publishes after the restart.
  observer = await connect({ servers: server.url });
  const events = await EventRecorder.start(observer, 'default');

  // host_inventory is only sent on start, change, request or reconnect: here it proves the re-announce.
  const inventory = await events.waitFor('host_inventory', { source: host.id, since: restartedAt, timeoutMs: 20_000 });
  assert.deepEqual(
    inventory.data.components.map((c) => c.id),
    ['echo'],
  );
  assert.equal(inventory.data.revision, host.inventory.revision);
  await events.waitFor('host_heartbeat', { source: host.id, since: restartedAt });

  const ctl = createControlClient(observer, 'default');
  await waitFor('host answers ping after reconnect', async () => (await ctl.pingHosts({ timeoutMs: 300 })).some((h) => h.id === host.id));
  // KV-backed requests work again too (the bucket survived in the server's store).
  await waitFor('config put after reconnect', async () => {
    await ctl.putConfig('after-restart', { ok: 'yes' });
    return true;
  });
  assert.deepEqual(await ctl.getConfig('after-restart'), { ok: 'yes' });
  const view = await host.config.live();
  await waitFor('live view follows changes made after the restart', () => view.get('after-restart')?.ok === 'yes', { timeoutMs: 20_000 });
  events.stop();
});
