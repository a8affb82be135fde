/**
 * Pi-class footprint of `lattice host`: start-to-first-heartbeat and idle RSS, on x86_64 and (when
 * qemu and the arm64 Node are available, see test/kit/edge/arm64.ts) as arm64 under qemu.
 *
 *   npm run build && node dist/bench/edge-footprint.js [--idle-ms 10000] [--no-arm]
 *
 * RSS is read from /proc/<pid>/status after the host sat idle; under qemu user mode it includes
 * the emulator's own memory and translation cache, so it overstates a real Pi.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { allEvents } from '../protocol/mod.js';
import { arm64Command, prepareArm64Node } from '../test/kit/edge/arm64.js';
import { plainNode, spawnEdgeHost, type Launcher } from '../test/kit/edge/host-process.js';
import { NatsServer } from '../test/kit/nats-server.js';

const args = process.argv.slice(2);
const idleMs = Number(args[args.indexOf('--idle-ms') + 1] ?? 10_000) || 10_000;
const withArm = !args.includes('--no-arm');

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function measure(server: NatsServer, label: string, launcher: Launcher, flags: string[], startTimeoutMs: number): Promise<void> {
  const nc = await connect({ servers: server.url });
  const dir = await mkdtemp(join(tmpdir(), 'lattice-footprint-'));
  const firstBeat = new Map<string, number>();
  const sub = nc.subscribe(allEvents('default'));
  void (async () => {
    for await (const m of sub) {
      if (!m.subject.endsWith('.host_heartbeat')) continue;
      const source = (JSON.parse(new TextDecoder().decode(m.data)) as { source?: string }).source;
      if (source && !firstBeat.has(source)) firstBeat.set(source, Date.now());
    }
  })();
  await nc.flush();
  const started = Date.now();
  const host = await spawnEdgeHost(launcher, { natsUrl: server.url, flags, env: { LATTICE_DATA_DIR: dir, LATTICE_LOG: 'warn' }, startTimeoutMs });
  while (!firstBeat.has(host.hostId) && Date.now() - started < startTimeoutMs) await new Promise((r) => setTimeout(r, 20));
  const beatMs = (firstBeat.get(host.hostId) ?? NaN) - started;
  await new Promise((r) => setTimeout(r, idleMs));
  const rss = await rssMb(host.pid);
  host.kill('SIGTERM');
  await host.waitForExit(30_000).catch(() => host.dispose());
  sub.unsubscribe();
  await nc.close();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(`${label.padEnd(36)} first heartbeat ${String(Math.round(beatMs)).padStart(6)} ms   idle RSS ${rss.toFixed(1).padStart(6)} MB\n`);
}

const server = await NatsServer.start();
try {
  process.stdout.write(`lattice host footprint (idle ${idleMs} ms, Node ${process.version})\n`);
  await measure(server, 'x86_64 default', plainNode, [], 30_000);
  await measure(server, 'x86_64 --max-memory 128', plainNode, ['--max-memory', '128'], 30_000);
  if (withArm) {
    const arm = await prepareArm64Node();
    if (typeof arm === 'string') process.stdout.write(`arm64: skipped (${arm})\n`);
    else {
      const cmd = arm64Command(arm, []);
      const launcher = { command: cmd.command, prefix: cmd.args, env: cmd.env };
      await measure(server, 'aarch64 (qemu) default', launcher, [], 180_000);
      await measure(server, 'aarch64 (qemu) --max-memory 128', launcher, ['--max-memory', '128'], 180_000);
    }
  }
} finally {
  await server.dispose();
}
