import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { ControlError, createControlClient, ok } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { startTestHost, stopHosts } from '../kit/hosts.js';
import { CORE_ONLY } from '../kit/hosts.js';
import { EventRecorder } from '../kit/events.js';
import { waitFor } from '../kit/wait.js';

let server: NatsServer;
let nc: NatsConnection;
const hosts: Host[] = [];

before(async () => {
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
});

after(async () => {
  await stopHosts(hosts);
  await nc?.close();
  await server?.dispose();
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('stop waits for in-flight control work, refuses new work, and lets another host serve the lattice', { timeout: 30_000 }, async () => {
  const host = await startTestHost(server.url, CORE_ONLY);
  const other = await startTestHost(server.url, CORE_ONLY);
  hosts.push(host, other);
  const ctl = createControlClient(nc, 'default');
  const events = await EventRecorder.start(nc, 'default');
  const gate = deferred();
  let started = false;
  host.control.register('component.scale', async () => {
    started = true;
    await gate.promise;
    return ok(undefined, 'scaled');
  });
  const hookRan: string[] = [];
  host.onStop(({ reason }) => void hookRan.push(reason));

  const scale = ctl.scaleComponent(host.id, { component_id: 'echo', image_ref: 'file:///echo.wasm', count: 1 }, { timeoutMs: 20_000 });
  await waitFor('scale handler running', () => started);
  const stopping = host.stop({ timeoutMs: 15_000, reason: 'maintenance' });
  assert.equal(host.state, 'stopping');

  await assert.rejects(ctl.putLabel(host.id, 'a', 'b'), (e: unknown) => e instanceof ControlError && /stopping/.test(e.message));
  assert.ok(
    (await ctl.pingHosts({ timeoutMs: 300 })).some((h) => h.id === host.id),
    'read-only requests are still answered',
  );
  // Lattice-wide requests go to the host still running.
  await ctl.putConfig('while-stopping', { a: '1' });
  assert.deepEqual(await ctl.getConfig('while-stopping'), { a: '1' });
  assert.equal(events.of('host_stopped', host.id).length, 0, 'not stopped while work is in flight');

  gate.resolve();
  await scale; // the in-flight request got its success reply
  const result = await stopping;
  assert.deepEqual(result, { reason: 'maintenance', drained: true, abandoned: 0 });
  assert.deepEqual(hookRan, ['maintenance']);
  assert.equal(host.state, 'stopped');
  const stopped = await events.waitFor('host_stopped', { source: host.id });
  assert.equal(stopped.data.reason, 'maintenance');
  assert.deepEqual(await host.stopped, result);
  events.stop();
});

test('stop gives up on work that outlives the deadline', { timeout: 30_000 }, async () => {
  const host = await startTestHost(server.url, CORE_ONLY);
  hosts.push(host);
  const events = await EventRecorder.start(nc, 'default');
  host.work.track(new Promise<void>(() => {})); // never settles
  const end = host.work.begin();
  const hooks: string[] = [];
  host.onStop(() => void hooks.push('first registered, runs last'));
  host.onStop(() => new Promise<void>(() => hooks.push('hangs'))); // never settles
  // Neither the stuck work nor the stuck hook may hold the stop: if they did, this await would
  // never resolve and the test's own timeout would fail it (no wall-clock assertion needed).
  const result = await host.stop({ timeoutMs: 300 });
  assert.deepEqual(hooks, ['hangs', 'first registered, runs last']);
  assert.deepEqual(result, { reason: 'stopped', drained: false, abandoned: 2 });
  await events.waitFor('host_stopped', { source: host.id });
  end();
  events.stop();
});

test('stop is idempotent and a host on a borrowed connection leaves it open', { timeout: 30_000 }, async () => {
  const borrowed = await connect({ servers: server.url });
  const host = await startTestHost(server.url, { nats: borrowed, ...CORE_ONLY });
  const [a, b] = [host.stop(), host.stop()];
  assert.equal(a, b);
  await a;
  assert.equal(borrowed.isClosed(), false);
  assert.equal(
    (await createControlClient(borrowed, 'default').pingHosts({ timeoutMs: 300 })).some((h) => h.id === host.id),
    false,
  );
  await borrowed.close();
});
