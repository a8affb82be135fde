/**
 * http-hello: req/s and p50/p99 at 50 connections through a host's http-server builtin to the WAT
 * hello fixture and to the JS http-hello example, each with a fresh instance per request (the
 * default) and with instance reuse, against a bare Node `http` server answering the same bytes;
 * then the same served by a host on Node 24 against a bare Node 24 server (node24.ts), with the
 * WASIp3 hello (wasi:http@0.3 handler, runtime/wasip3.ts) there too: it needs JSPI.
 */
import { alternate, type Target } from './load.js';
import { bareServer, BenchLattice } from './lattice.js';
import { exampleImage, loadSettings, watImage } from './examples.js';
import { bareNode24Server, node24, node24Host } from './node24.js';
import { fmt, pct, type Benchmark, type Section } from './types.js';

const BASELINE = 'bare Node http (same bytes)';
const BASELINE_24 = 'bare Node 24 http (same bytes)';
const ON_24 = 'lattice on Node 24:';

export const httpHello: Benchmark = {
  name: 'http-hello',
  summary: 'HTTP through the host to WAT and JS hello vs bare Node http',
  timeoutS: 540,
  async run(ctx) {
    const lattice = await BenchLattice.start();
    let bare: Awaited<ReturnType<typeof bareServer>> | undefined;
    const newer = await node24();
    try {
      const [wat, js, p3] = await Promise.all([watImage('http-hello'), exampleImage('http-hello'), watImage('http-hello-p3')]);
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
      if (newer.path) {
        const host24 = await node24Host(lattice, newer.path, 'http24');
        const scale24 = (id: string, image: string, annotations: Record<string, string> = {}) =>
          lattice.ctl.scaleComponent(host24.hostId, { component_id: id, image_ref: image, count: 100, annotations }, { timeoutMs: 120_000 });
        await scale24('wat-hello-24', wat);
        await scale24('wat-hello-reuse-24', wat, { 'lattice.dev/instance-reuse': 'true' });
        await scale24('js-hello-24', js);
        await scale24('js-hello-reuse-24', js, { 'lattice.dev/instance-reuse': 'true' });
        await scale24('p3-hello-24', p3);
        await scale24('p3-hello-reuse-24', p3, { 'lattice.dev/instance-reuse': 'true' });
        targets.push(
          { label: `${ON_24} WAT hello (fresh instance)`, url: await lattice.route('http24', 'wat-hello-24') },
          { label: `${ON_24} WAT hello (instance reuse)`, url: await lattice.route('http24', 'wat-hello-reuse-24') },
          { label: `${ON_24} JS hello (fresh instance)`, url: await lattice.route('http24', 'js-hello-24') },
          { label: `${ON_24} JS hello (instance reuse)`, url: await lattice.route('http24', 'js-hello-reuse-24') },
          { label: `${ON_24} WASIp3 hello (fresh instance)`, url: await lattice.route('http24', 'p3-hello-24') },
          { label: `${ON_24} WASIp3 hello (instance reuse)`, url: await lattice.route('http24', 'p3-hello-reuse-24') },
        );
        const bare24 = await bareNode24Server(
          newer.path,
          `const body = Buffer.from(${JSON.stringify(body.toString('base64'))}, 'base64');`,
          `(_req, res) => { ${contentType ? `res.setHeader('content-type', ${JSON.stringify(contentType)}); ` : ''}res.end(body); }`,
        );
        lattice.onStop(() => bare24.close());
        targets.push({ label: BASELINE_24, url: bare24.url('/bench') });
      }

      const settings = loadSettings(ctx.smoke, ctx.log);
      const results = await alternate(targets, settings);
      const base = results.get(BASELINE)!;
      const base24 = results.get(BASELINE_24);
      const ratio = (label: string, rps: number): string => {
        if (label === BASELINE || label === BASELINE_24) return 'baseline';
        return label.startsWith(ON_24) && base24 ? pct(rps, base24.rps) : pct(rps, base.rps);
      };
      const section: Section = {
        title: `http-hello (${settings.connections} connections, ${settings.rounds} x ${settings.seconds} s alternating rounds, median)`,
        columns: ['path', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline req/s', 'failures'],
        rows: targets.map((t) => {
          const r = results.get(t.label)!;
          return [t.label, fmt(r.rps), fmt(r.p50Ms), fmt(r.p99Ms), ratio(t.label, r.rps), r.failures];
        }),
        notes: [
          `Baseline: ${BASELINE}, ${body.length}-byte body, in the same process as the host (Node ${process.versions.node}); autocannon runs as a separate process. Latency resolution is 1 ms.`,
          newer.path !== null
            ? `"${ON_24}" rows: a \`lattice host\` process on Node ${newer.version.replace(/^v/, '')} (JSPI; every runtime worker listens, SO_REUSEPORT), compared with ${BASELINE_24}, a process of its own.`
            : `No Node 24 rows: ${newer.why}.`,
          'The WASIp3 hello (components/fixtures/http-hello-p3.wat) answers a few bytes more than the WAT hello (the baseline answers the WAT hello\'s bytes); jco runs its component-model async through its own task scheduler, and its glue cannot be reset, so "fresh instance" instantiates one per request.',
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
