/**
 * soak: a mixed workload held for minutes on two `lattice host` processes, reporting each host's
 * RSS and each path's latency window by window, and their drift from the first window after
 * warm-up to the last. Growth beyond noise there is a leak (a handle, a listener, an instance
 * kept per request) that a five-second benchmark never shows.
 *
 * Host A runs the http-server, a WAT hello (fresh instance per request), a kv-counter with its
 * keyvalue provider in the same host and one with the provider on host B; host B runs a second
 * hello reached through A's http-server over NATS. Every window also rescales A's hello (50 and
 * 100 instances in turn) and puts a link again, so control paths are exercised along with the
 * request path. Length: LATTICE_SOAK_MINUTES (default 5).
 */
import { spawnHostProcess, type HostProcess } from '../../test/kit/hosts.js';
import { benchFixture, watImage } from './examples.js';
import { BenchLattice } from './lattice.js';
import { autocannon, type LoadResult } from './load.js';
import { rssMiB } from './process.js';
import { fmt, type Benchmark, type Section } from './types.js';

const WINDOW_S = 15;
const CONNECTIONS = 8;

interface Window {
  endS: number;
  rss: [number, number];
  load: LoadResult[];
}

const drift = (first: number, last: number): string =>
  `${last - first >= 0 ? '+' : ''}${fmt(last - first, 1)} (${first ? `${fmt((100 * (last - first)) / first, 1)}%` : 'n/a'})`;

export const soak: Benchmark = {
  name: 'soak',
  summary: 'minutes of mixed load on two host processes: RSS and latency drift per host and path',
  // Only when named (not in a full `npm run bench`): its length is the user's choice.
  explicitOnly: true,
  timeoutS: Number(process.env.LATTICE_SOAK_MINUTES ?? 5) * 60 + 240,
  async run(ctx) {
    const minutes = Number(process.env.LATTICE_SOAK_MINUTES ?? 5);
    const windowS = ctx.smoke ? 2 : WINDOW_S;
    const windows = ctx.smoke ? 2 : Math.max(3, Math.round((minutes * 60) / windowS));
    const lattice = await BenchLattice.start();
    try {
      const env = { LATTICE_LOG: process.env.LATTICE_LOG ?? 'warn' };
      const hosts: HostProcess[] = [];
      for (const name of ['soak-a', 'soak-b']) {
        const host = await spawnHostProcess(lattice.server.url, { name, env });
        lattice.onStop(() => host.dispose());
        hosts.push(host);
      }
      const [a, b] = hosts as [HostProcess, HostProcess];
      const { ctl } = lattice;
      const [hello, counter] = await Promise.all([watImage('http-hello'), benchFixture('kv-counter')]);
      await ctl.startProvider(a.hostId, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server' }, { timeoutMs: 30_000 });
      await ctl.startProvider(a.hostId, { provider_id: 'kv-a', provider_ref: 'wasmcloud+builtin://keyvalue' }, { timeoutMs: 30_000 });
      await ctl.startProvider(b.hostId, { provider_id: 'kv-b', provider_ref: 'wasmcloud+builtin://keyvalue' }, { timeoutMs: 30_000 });
      const scale = (hostId: string, id: string, image: string, count: number, annotations: Record<string, string> = {}) =>
        ctl.scaleComponent(hostId, { component_id: id, image_ref: image, count, annotations }, { timeoutMs: 120_000 });
      await scale(a.hostId, 'hello-a', hello, 100);
      await scale(b.hostId, 'hello-b', hello, 100);
      const reuse = { 'lattice.dev/instance-reuse': 'true' };
      await scale(a.hostId, 'counter-local', counter, 100, reuse);
      await scale(a.hostId, 'counter-remote', counter, 100, reuse);
      const kvLink = (source: string, target: string) => ({
        source_id: source,
        target,
        wit_namespace: 'wasi',
        wit_package: 'keyvalue',
        interfaces: ['store', 'atomics'],
      });
      await ctl.putLink(kvLink('counter-local', 'kv-a'));
      await ctl.putLink(kvLink('counter-remote', 'kv-b'));
      const paths: Array<[string, string]> = [
        ['WAT hello on A (fresh instance)', await lattice.route('http', 'hello-a')],
        ['WAT hello on B, through A over NATS', await lattice.route('http', 'hello-b')],
        ['kv-counter on A, keyvalue on A', await lattice.route('http', 'counter-local', '/visits')],
        ['kv-counter on A, keyvalue on B', await lattice.route('http', 'counter-remote', '/visits')],
      ];
      const results: Window[] = [];
      const started = Date.now();
      for (let w = 0; w < windows; w++) {
        // Control-plane churn alongside the load.
        void scale(a.hostId, 'hello-a', hello, w % 2 ? 100 : 50).catch((error: unknown) => ctx.log(`  rescale failed: ${String(error)}`));
        void ctl.putLink(kvLink('counter-local', 'kv-a')).catch((error: unknown) => ctx.log(`  link put failed: ${String(error)}`));
        const load = await Promise.all(paths.map(([, url]) => autocannon(url, CONNECTIONS, windowS)));
        const rss: [number, number] = [await rssMiB(a.pid), await rssMiB(b.pid)];
        results.push({ endS: Math.round((Date.now() - started) / 1000), rss, load });
        ctx.log(
          `  window ${w + 1}/${windows}: RSS A ${fmt(rss[0])} MiB, B ${fmt(rss[1])} MiB; ${load.map((l) => `${fmt(l.rps)} req/s p99 ${l.p99Ms} ms`).join('; ')}`,
        );
      }
      // The first window warms up (instances, caches, JIT): drift is measured from the second.
      const first = results[Math.min(1, results.length - 1)]!;
      const last = results.at(-1)!;
      const byWindow: Section = {
        title: `soak: ${windows} windows of ${windowS} s, ${CONNECTIONS} connections per path, all paths at once`,
        columns: ['end s', 'RSS A MiB', 'RSS B MiB', ...paths.map(([label]) => `${label}: req/s / p99 ms`), 'failures'],
        rows: results.map((r) => [
          r.endS,
          fmt(r.rss[0]),
          fmt(r.rss[1]),
          ...r.load.map((l) => `${fmt(l.rps)} / ${l.p99Ms}`),
          r.load.reduce((n, l) => n + l.failures, 0),
        ]),
        notes: [
          "Host A: http-server, WAT hello, kv-counter (keyvalue on A and on B); host B: WAT hello, keyvalue provider. Each window rescales A's hello (50/100) and puts a link again.",
        ],
      };
      const summary: Section = {
        title: 'soak: drift from the second window to the last',
        columns: ['what', 'second window', 'last window', 'change'],
        rows: [
          ['RSS host A (MiB)', fmt(first.rss[0]), fmt(last.rss[0]), drift(first.rss[0], last.rss[0])],
          ['RSS host B (MiB)', fmt(first.rss[1]), fmt(last.rss[1]), drift(first.rss[1], last.rss[1])],
          ...paths.flatMap(([label], i) => [
            [`${label}: p99 ms`, fmt(first.load[i]!.p99Ms), fmt(last.load[i]!.p99Ms), drift(first.load[i]!.p99Ms, last.load[i]!.p99Ms)],
            [`${label}: req/s`, fmt(first.load[i]!.rps), fmt(last.load[i]!.rps), drift(first.load[i]!.rps, last.load[i]!.rps)],
          ]),
        ],
        notes: ['RSS of each `lattice host` process from /proc (worker threads included); latency from autocannon, 1 ms resolution.'],
      };
      return [byWindow, summary];
    } finally {
      await lattice.stop();
    }
  },
};
