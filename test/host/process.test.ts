import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn as spawnChild, spawnSync } from 'node:child_process';
import { createServer, connect as netConnect, type AddressInfo } from 'node:net';
import { connect, type NatsConnection } from 'nats';
import { createControlClient } from '../../protocol/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { CLI_MAIN, spawnHostProcess, type HostProcess } from '../kit/hosts.js';
import { EventRecorder } from '../kit/events.js';
import { TEST_SECRETS_KEY_ENV } from '../kit/secrets.js';

let server: NatsServer;
let nc: NatsConnection;
const processes: HostProcess[] = [];

before(async () => {
  server = await NatsServer.start();
  nc = await connect({ servers: server.url });
});

after(async () => {
  await Promise.all(processes.map((p) => p.dispose()));
  await nc?.close();
  await server?.dispose();
});

async function spawn(labels: Record<string, string> = {}): Promise<HostProcess> {
  const proc = await spawnHostProcess(server.url, { heartbeatIntervalMs: 200, labels });
  processes.push(proc);
  return proc;
}

test('a host killed with SIGKILL stops heartbeating and publishes no host_stopped', { timeout: 60_000 }, async () => {
  const proc = await spawn({ role: 'victim' });
  const beat = await proc.waitForHeartbeat(nc);
  assert.equal(beat.id, proc.hostId);
  assert.equal(beat.labels.role, 'victim');

  const events = await EventRecorder.start(nc, 'default');
  await events.waitFor('host_heartbeat', { source: proc.hostId });
  proc.kill('SIGKILL');
  const exit = await proc.waitForExit();
  assert.equal(exit.signal, 'SIGKILL');
  const beatsAtDeath = events.of('host_heartbeat', proc.hostId).length;
  await new Promise((r) => setTimeout(r, 1_000)); // five intervals
  assert.equal(events.of('host_heartbeat', proc.hostId).length, beatsAtDeath, 'no heartbeat after the kill');
  assert.equal(events.of('host_stopped', proc.hostId).length, 0);
  const ping = await createControlClient(nc, 'default').pingHosts({ timeoutMs: 500 });
  assert.ok(!ping.some((h) => h.id === proc.hostId), 'the dead host no longer answers ping');
  events.stop();
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops the host gracefully: host_stopped, then exit code 0`, { timeout: 60_000 }, async () => {
    const proc = await spawn();
    await proc.waitForHeartbeat(nc);
    const events = await EventRecorder.start(nc, 'default');
    proc.kill(signal);
    const exit = await proc.waitForExit();
    assert.deepEqual(exit, { code: 0, signal: null }, proc.stderr());
    const stopped = await events.waitFor('host_stopped', { source: proc.hostId, timeoutMs: 2_000 });
    assert.match(stopped.data.reason, new RegExp(signal));
    const last = events.of('host_heartbeat', proc.hostId).at(-1);
    assert.ok(last === undefined || last.receivedAt <= stopped.receivedAt, 'no heartbeat after host_stopped');
    events.stop();
  });
}

test('a stop over the control interface is acknowledged, then the process exits 0', { timeout: 60_000 }, async () => {
  const proc = await spawn();
  const events = await EventRecorder.start(nc, 'default');
  await createControlClient(nc, 'default').stopHost(proc.hostId, { timeoutMs: 5_000 });
  const exit = await proc.waitForExit();
  assert.deepEqual(exit, { code: 0, signal: null }, proc.stderr());
  const stopped = await events.waitFor('host_stopped', { source: proc.hostId, timeoutMs: 2_000 });
  assert.match(stopped.data.reason, /control interface/);
  events.stop();
});

test('labels from --label and LATTICE_LABEL_* reach the lattice; bad flags exit 2 (usage) with one line', { timeout: 60_000 }, async () => {
  const proc = await spawnHostProcess(server.url, { labels: { zone: 'edge' }, env: { LATTICE_LABEL_rack: 'r9' } });
  processes.push(proc);
  const beat = await proc.waitForHeartbeat(nc);
  assert.equal(beat.labels.zone, 'edge');
  assert.equal(beat.labels.rack, 'r9');
  proc.kill('SIGTERM');
  assert.equal((await proc.waitForExit()).code, 0);

  for (const [flags, reason] of [
    [['--label', 'hostcore.os=plan9'], /built in/],
    [['--label', 'novalue'], /key=value/],
    [['--heartbeat-interval', 'soon'], /--heartbeat-interval must be a positive integer/],
    [['--heartbeat-interval', '5'], /at least 50 ms/],
  ] as const) {
    const run = spawnSync(process.execPath, [CLI_MAIN, '--nats-url', server.url, 'host', ...flags], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, LATTICE_LOG: 'silent' },
    });
    assert.equal(run.status, 2, `${flags.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, reason);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  }
});

test('a SIGTERM while the host is still connecting stops it gracefully once it has started', { timeout: 60_000 }, async () => {
  // A proxy in front of the nats-server holds the host's connection until the signal is sent, so
  // the signal lands while the host is starting (its handlers are in place before it connects).
  const upstreamPort = Number(new URL(server.url).port);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrived!: () => void;
  const connecting = new Promise<void>((resolve) => (arrived = resolve));
  const proxy = createServer((socket) => {
    arrived();
    socket.pause();
    void released.then(() => {
      const upstream = netConnect(upstreamPort, '127.0.0.1');
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      socket.pipe(upstream).pipe(socket);
      socket.resume();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const events = await EventRecorder.start(nc, 'default');
  try {
    const child = spawnChild(
      process.execPath,
      [CLI_MAIN, '--nats-url', `nats://127.0.0.1:${(proxy.address() as AddressInfo).port}`, 'host', '--name', 'early-stop'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_TEST_CONTEXT: undefined, ...TEST_SECRETS_KEY_ENV } },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await connecting;
    child.kill('SIGTERM');
    release();
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr);
    const stopped = await events.waitFor('host_stopped', { timeoutMs: 5_000 });
    assert.match(String((stopped.data as { reason?: string }).reason), /SIGTERM while starting/);
  } finally {
    events.stop();
    proxy.close();
  }
});
