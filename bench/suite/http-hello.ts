/**
 * http-hello: req/s and p50/p99 at 50 connections through a host's http-server builtin to the WAT
 * hello fixture and to the JS http-hello example, each with a fresh instance per request (the
 * default) and with instance reuse, against a bare Node `http` server answering the same bytes.
 */
import { alternate, type Target } from './load.js';
import { bareServer, BenchLattice } from './lattice.js';
import { exampleImage, loadSettings, watImage } from './examples.js';
import { fmt, pct, type Benchmark, type Section } from './types.js';

const BASELINE = 'bare Node http (same bytes)';

export const httpHello: Benchmark = {
  name: 'http-hello',
  summary: 'HTTP through the host to WAT and JS hello vs bare Node http',
  timeoutS: 300,
  async run(ctx) {
    const lattice = await BenchLattice.start();
    let bare: Awaited<ReturnType<typeof bareServer>> | undefined;
    try {
      const [wat, js] = await Promise.all([watImage('http-hello'), exampleImage('http-hello')]);
      const host = await lattice.host();
      await lattice.ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server' }, { timeoutMs: 30_000 });
      // max_instances well above the connection count: the benchmark measures the path, not a queue.
      const scale = (id: string, image: string, annotations: Record<string, string> = {}) =>
        lattice.ctl.scaleComponent(host.id, { component_id: id, image_ref: image, count: 100, annotations }, { timeoutMs: 120_000 });
      await scale('wat-hello', wat);
      await scale('wat-hello-reuse', wat, { 'lattice.dev/instance-reuse': 'true' });
      await scale('js-hello', js);
      await scale('js-hello-reuse', js, { 'lattice.dev/instance-reuse': 'true' });
      const targets: Target[] = [
        { label: 'lattice: WAT hello (fresh instance)', url: await lattice.route('http', 'wat-hello') },
        { label: 'lattice: WAT hello (instance reuse)', url: await lattice.route('http', 'wat-hello-reuse') },
        { label: 'lattice: JS hello (fresh instance)', url: await lattice.route('http', 'js-hello') },
        { label: 'lattice: JS hello (instance reuse)', url: await lattice.route('http', 'js-hello-reuse') },
      ];
      // The baseline answers exactly what the WAT component answers (status, content-type, body).
      const sample = await fetch(targets[0]!.url);
      const body = Buffer.from(await sample.arrayBuffer());
      const contentType = sample.headers.get('content-type');
      bare = await bareServer((_req, res) => {
        if (contentType) res.setHeader('content-type', contentType);
        res.end(body);
      });
      targets.push({ label: BASELINE, url: bare.url('/bench') });

      const settings = loadSettings(ctx.smoke, ctx.log);
      const results = await alternate(targets, settings);
      const base = results.get(BASELINE)!;
      const section: Section = {
        title: `http-hello (${settings.connections} connections, ${settings.rounds} x ${settings.seconds} s alternating rounds, median)`,
        columns: ['path', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline req/s', 'failures'],
        rows: targets.map((t) => {
          const r = results.get(t.label)!;
          return [t.label, fmt(r.rps), fmt(r.p50Ms), fmt(r.p99Ms), t.label === BASELINE ? 'baseline' : pct(r.rps, base.rps), r.failures];
        }),
        notes: [
          `Baseline: ${BASELINE}, ${body.length}-byte body, in the same process as the host; autocannon runs as a separate process. Latency resolution is 1 ms.`,
          'Every lattice request: a runtime worker accepts the connection and runs the component itself (worker ingress; docs/architecture.md, "The request path inside a host"), on an instance put back to its post-instantiation state after each request (re-instantiated where it cannot be reset; kept as is with instance reuse). What a worker cannot serve goes through the http-server builtin on the main thread.',
        ],
      };
      return [section];
    } finally {
      await bare?.close();
      await lattice.stop();
    }
  },
};
