/**
 * Host footprint: a `lattice host` child process, from spawn to its first heartbeat seen on the
 * lattice, and its RSS once idle; against a bare `node` process (spawn to ready, idle RSS).
 * Alternating rounds, medians.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventRecorder } from '../../test/kit/events.js';
import { spawnHostProcess } from '../../test/kit/hosts.js';
import { BenchLattice } from './lattice.js';
import { bareNode, rssMiB } from './process.js';
import { fmt, median, sleep, type Benchmark } from './types.js';

export const footprint: Benchmark = {
  name: 'footprint',
  summary: 'idle `lattice host` RSS and start to first heartbeat vs a bare node process',
  timeoutS: 240,
  async run(ctx) {
    const lattice = await BenchLattice.start();
    const recorder = await EventRecorder.start(lattice.nc, 'default');
    const rounds = ctx.smoke ? 1 : 3;
    const idleMs = ctx.smoke ? 500 : 5_000;
    const host = { joined: [] as number[], beat: [] as number[], rss: [] as number[] };
    const bare = { ready: [] as number[], rss: [] as number[] };
    try {
      for (let r = 0; r < rounds; r++) {
        const dataDir = await mkdtemp(join(tmpdir(), 'lattice-bench-footprint-'));
        const t0 = Date.now();
        const child = await spawnHostProcess(lattice.server.url, { name: `footprint-${r}`, env: { LATTICE_DATA_DIR: dataDir, LATTICE_LOG: 'warn' } });
        try {
          host.joined.push(Date.now() - t0);
          const beat = await recorder.waitFor('host_heartbeat', { source: child.hostId, timeoutMs: 20_000 });
          host.beat.push(beat.receivedAt - t0);
          await sleep(idleMs);
          host.rss.push(await rssMiB(child.pid));
        } finally {
          await child.dispose();
          await rm(dataDir, { recursive: true, force: true });
        }
        const node = await bareNode();
        try {
          bare.ready.push(node.readyMs);
          await sleep(idleMs);
          bare.rss.push(await rssMiB(node.child.pid!));
        } finally {
          node.child.kill('SIGKILL');
        }
        ctx.log(
          `  round ${r + 1}/${rounds}: host beat ${host.beat.at(-1)} ms, RSS ${host.rss.at(-1)?.toFixed(0)} MiB; bare node ${bare.ready.at(-1)} ms, ${bare.rss.at(-1)?.toFixed(0)} MiB`,
        );
      }
      return [
        {
          title: `host footprint (median of ${rounds} alternating rounds, RSS after ${idleMs / 1000} s idle)`,
          columns: ['process', 'spawn to joined ms', 'spawn to first heartbeat ms', 'idle RSS MiB'],
          rows: [
            ['lattice host (runtime + builtin providers, no components)', fmt(median(host.joined)), fmt(median(host.beat)), fmt(median(host.rss))],
            ['baseline: bare node (setInterval)', fmt(median(bare.ready)), '', fmt(median(bare.rss))],
          ],
          notes: [
            '"joined" = the host printed its id (connected, buckets opened, host_started published); heartbeat = first host_heartbeat received by an observer on the lattice.',
          ],
        },
      ];
    } finally {
      recorder.stop();
      await lattice.stop();
    }
  },
};
