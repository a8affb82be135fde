import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { commandName } from '../../cli/command-name.js';
import { IDLE_TUNING_OFF, IDLE_TUNING_ON, tuneStart } from '../../cli/memory-tuning.js';
import { createControlClient } from '../../protocol/mod.js';
import { EventRecorder } from '../kit/events.js';
import { spawnHostProcess, type HostProcess } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { waitFor } from '../kit/wait.js';
import { runCli } from './run-cli.js';

const GROWTH = '--semi-space-growth-factor=1';
const NO_OPT = '--no-opt';
const NO_SPARKPLUG = '--no-sparkplug';
const ALL = [GROWTH, NO_OPT, NO_SPARKPLUG];
const TUNING_LINE = IDLE_TUNING_ON;

interface TuningLog {
  msg: string;
  v8_start_flags: string[];
  user_chosen: string[];
}

/** The host's tuning log line (pino JSON on stderr or in the `up` log file), once written. */
async function tuningLog(readLog: () => string | Promise<string>): Promise<TuningLog> {
  const line = await waitFor(`"${TUNING_LINE}" in the host's log`, async () => (await readLog()).split('\n').find((l) => l.includes(TUNING_LINE)));
  return JSON.parse(line) as TuningLog;
}

describe('commandName', () => {
  it('skips root options and their values', () => {
    assert.equal(commandName(['node', 'lattice', 'host']), 'host');
    assert.equal(commandName(['node', 'lattice', '--nats-url', 'nats://x:1', '--lattice', 'host', 'get', 'hosts']), 'get');
    assert.equal(commandName(['node', 'lattice', '--nats-url=nats://x:1', '-o', 'json', 'host', '--wadm']), 'host');
    assert.equal(commandName(['node', 'lattice', '--help']), undefined);
  });
});

describe('tuneStart', () => {
  const host = ['node', 'lattice', 'host'];

  it('tunes only the host command', () => {
    assert.deepEqual(tuneStart(['node', 'lattice', 'get', 'hosts'], [], {}).applied, []);
    assert.deepEqual(tuneStart(['node', 'lattice', 'wadm'], [], {}).applied, []);
    const tuning = tuneStart(host, [], {});
    tuning.finish();
    tuning.finish(); // idempotent
    assert.deepEqual(tuning.applied, ALL);
  });

  it('leaves a flag kind the user gave (NODE_OPTIONS or node arguments) to the user', () => {
    const a = tuneStart(host, [], { NODE_OPTIONS: '--max-old-space-size=64 --max_semi_space_size=4' });
    a.finish();
    assert.deepEqual(a.applied, [NO_OPT, NO_SPARKPLUG]);
    assert.deepEqual(a.userChosen, [GROWTH]);
    const b = tuneStart(host, ['--jitless'], {});
    b.finish();
    assert.deepEqual(b.applied, [GROWTH]);
    assert.deepEqual(b.userChosen, [NO_OPT, NO_SPARKPLUG]);
    assert.deepEqual(tuneStart(host, [], { LATTICE_V8_TUNING: 'off' }).applied, []);
  });
});

describe('a host started by the CLI runs tuned and still drains on signals', () => {
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

  it('`lattice host`: tuned while idle, untuned with its first provider; SIGTERM publishes host_stopped and exits 0', { timeout: 60_000 }, async () => {
    const proc = await spawnHostProcess(server.url, { heartbeatIntervalMs: 200 });
    processes.push(proc);
    await proc.waitForHeartbeat(nc);
    const log = await tuningLog(() => proc.stderr());
    assert.deepEqual(log.v8_start_flags, ALL);
    assert.deepEqual(log.user_chosen, []);
    assert.ok(!proc.stderr().includes(IDLE_TUNING_OFF), 'an idle host keeps the tuning');
    await createControlClient(nc, 'default').startProvider(
      proc.hostId,
      { provider_id: 'kv', provider_ref: 'wasmcloud+builtin://keyvalue' },
      { timeoutMs: 30_000 },
    );
    await waitFor('V8 defaults back once the host has work', () => proc.stderr().includes(IDLE_TUNING_OFF));
    const events = await EventRecorder.start(nc, 'default');
    proc.kill('SIGTERM');
    assert.deepEqual(await proc.waitForExit(), { code: 0, signal: null }, proc.stderr());
    await events.waitFor('host_stopped', { source: proc.hostId, timeoutMs: 2_000 });
    events.stop();
  });

  it("`lattice host` with NODE_OPTIONS: the user's young-generation flag wins", { timeout: 60_000 }, async () => {
    const proc = await spawnHostProcess(server.url, { env: { NODE_OPTIONS: '--max-semi-space-size=2' } });
    processes.push(proc);
    const log = await tuningLog(() => proc.stderr());
    assert.deepEqual(log.v8_start_flags, [NO_OPT, NO_SPARKPLUG]);
    assert.deepEqual(log.user_chosen, [GROWTH]);
    proc.kill('SIGINT');
    assert.deepEqual(await proc.waitForExit(), { code: 0, signal: null }, proc.stderr());
  });

  it('`lattice up`: the host it spawns is tuned, and `lattice down` stops it gracefully', { timeout: 90_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lattice-up-tuning-'));
    try {
      const up = await runCli(['--nats-url', server.url, 'up', '--detach', '--no-wadm', '--data-dir', dataDir], { LATTICE_LOG: 'info' });
      assert.equal(up.code, 0, up.stderr);
      const hostLog = join(dataDir, 'logs', 'host.log');
      assert.deepEqual((await tuningLog(() => readFile(hostLog, 'utf8'))).v8_start_flags, ALL);
      const down = await runCli(['down', '--data-dir', dataDir]);
      assert.equal(down.code, 0, down.stderr);
      assert.match(down.stdout, /host \(pid \d+\) stopped/);
      assert.match(await readFile(hostLog, 'utf8'), /"msg":"host stopped"/);
    } finally {
      await runCli(['down', '--data-dir', dataDir]).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
