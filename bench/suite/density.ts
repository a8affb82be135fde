/**
 * Density: N small WAT components (distinct ids, the http-hello fixture) scaled on one `lattice
 * host` child process through the control interface: time until every scale is acknowledged
 * (each component pre-instantiated) and the host's RSS. Baseline: the same host idle, before.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnHostProcess } from '../../test/kit/hosts.js';
import { BenchLattice } from './lattice.js';
import { rssMiB } from './process.js';
import { watImage } from './examples.js';
import { fmt, sleep, type Benchmark, type Section } from './types.js';

const IN_FLIGHT = 20;

async function scaleMany(lattice: BenchLattice, n: number, image: string, log: (m: string) => void) {
  const dataDir = await mkdtemp(join(tmpdir(), 'lattice-bench-density-'));
  const host = await spawnHostProcess(lattice.server.url, { name: `density-${n}`, env: { LATTICE_DATA_DIR: dataDir, LATTICE_LOG: 'warn' } });
  try {
    await sleep(1_000);
    const idle = await rssMiB(host.pid);
    const t0 = performance.now();
    // The first scale pays once-per-process costs (worker threads, jco transpile in a one-off
    // worker whose freed memory the allocator keeps): measured apart from the slope.
    await lattice.ctl.scaleComponent(host.hostId, { component_id: 'small-0', image_ref: image, count: 1 }, { timeoutMs: 120_000 });
    const firstMs = performance.now() - t0;
    await sleep(500);
    const first = await rssMiB(host.pid);
    let next = 1;
    let failures = 0;
    const lane = async () => {
      while (next < n) {
        const i = next++;
        await lattice.ctl
          .scaleComponent(host.hostId, { component_id: `small-${i}`, image_ref: image, count: 1 }, { timeoutMs: 120_000 })
          .catch(() => failures++);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    const readyMs = performance.now() - t0;
    const inventory = await lattice.ctl.getInventory(host.hostId);
    const running = inventory.components.length;
    await sleep(1_000);
    const loaded = await rssMiB(host.pid);
    log(
      `  ${n} components: ${running} running, ${Math.round(readyMs)} ms (first ${Math.round(firstMs)} ms), RSS ${idle.toFixed(0)} -> ${first.toFixed(0)} -> ${loaded.toFixed(0)} MiB`,
    );
    return { n, running, failures, readyMs, firstMs, idle, first, loaded };
  } finally {
    await host.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const density: Benchmark = {
  name: 'density',
  summary: 'N small WAT components on one host: RSS and time to all ready',
  timeoutS: 600,
  async run(ctx) {
    const lattice = await BenchLattice.start();
    try {
      const image = await watImage('http-hello');
      const sizes = ctx.smoke ? [10] : [100, 1_000];
      const section: Section = {
        title: 'density: small WAT components on one `lattice host` process',
        columns: [
          'components',
          'running',
          'time to all ready ms',
          'first component ms',
          'per further component ms',
          'RSS idle MiB (baseline)',
          'RSS after first MiB',
          'RSS after all MiB',
          'per further component MiB',
        ],
        rows: [],
        notes: [
          `Each component is the http-hello WAT fixture under its own id, count 1, scaled through the control interface with ${IN_FLIGHT} requests in flight; "ready" = every scale acknowledged (the runtime acknowledges after pre-instantiating a spare instance).`,
          'RSS is the whole host process (worker threads included), from /proc/PID/status, 1 s after the last ack.',
        ],
      };
      for (const n of sizes) {
        const r = await scaleMany(lattice, n, image, ctx.log);
        section.rows.push([
          n,
          r.running + (r.failures ? ` (${r.failures} failed)` : ''),
          fmt(r.readyMs),
          fmt(r.firstMs),
          fmt((r.readyMs - r.firstMs) / Math.max(1, n - 1), 2),
          fmt(r.idle),
          fmt(r.first),
          fmt(r.loaded),
          fmt((r.loaded - r.first) / Math.max(1, n - 1), 3),
        ]);
      }
      return [section];
    } finally {
      await lattice.stop();
    }
  },
};
