/**
 * http-stream: throughput of a large upload echoed back as it streams, through the http-server
 * to the WAT echo component (64 KiB reads and writes) with the component in the provider's host,
 * on another host, and behind a provider in its own process (the last two cross NATS as byte
 * streams), against a bare Node server piping the request into the response.
 */
import { request } from 'node:http';
import { e2eFixture } from '../../test/e2e/fixtures.js';
import { freePort } from '../../test/kit/ports.js';
import { bareServer, BenchLattice } from './lattice.js';
import { fmt, median, pct, type Benchmark, type Section } from './types.js';

const BASELINE = 'bare Node http (pipe)';
const PIECE = 256 * 1024;

/** Uploads SIZE bytes to URL in pieces while reading the echo; resolves with the elapsed ms. */
function echoOnce(url: string, size: number): Promise<number> {
  const piece = Buffer.alloc(PIECE, 7);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let received = 0;
    const req = request(url, { method: 'POST', timeout: 120_000 }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${url}: status ${res.statusCode}`));
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.on('end', () => (received === size ? resolve(performance.now() - started) : reject(new Error(`${url}: echoed ${received} of ${size} bytes`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    let sent = 0;
    const write = (): void => {
      while (sent < size) {
        const n = Math.min(PIECE, size - sent);
        sent += n;
        if (!req.write(n === PIECE ? piece : piece.subarray(0, n))) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

export const httpStream: Benchmark = {
  name: 'http-stream',
  summary: 'a large upload echoed while it streams: same host, other host, provider process vs bare Node pipe',
  timeoutS: 300,
  async run(ctx) {
    const size = (ctx.smoke ? 2 : 64) * 1024 * 1024;
    const rounds = ctx.smoke ? 1 : 5;
    const lattice = await BenchLattice.start();
    let bare: Awaited<ReturnType<typeof bareServer>> | undefined;
    try {
      const echo = await e2eFixture('http-echo');
      const [a, b] = [await lattice.host(), await lattice.host()];
      // Each provider gets a shared listener of its own (the default, :8000, would be taken twice).
      const limits = { max_body_bytes: String(size * 2), timeout_ms: '120000' };
      await lattice.ctl.putConfig('http-a', { ...limits, address: `127.0.0.1:${await freePort()}` });
      await lattice.ctl.putConfig('http-b', { ...limits, address: `127.0.0.1:${await freePort()}` });
      await lattice.ctl.startProvider(
        a.id,
        { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server', config: ['http-a'] },
        { timeoutMs: 30_000 },
      );
      await lattice.ctl.startProvider(
        b.id,
        { provider_id: 'http-proc', provider_ref: 'wasmcloud+builtin://http-server', config: ['http-b'], mode: 'process' },
        { timeoutMs: 30_000 },
      );
      // A response of `size` bytes is over the default per-invocation cap (32 MiB).
      const annotations = { 'lattice.dev/max-response-mib': String((2 * size) / 2 ** 20), 'lattice.dev/deadline-ms': '120000' };
      await lattice.ctl.scaleComponent(a.id, { component_id: 'echo-here', image_ref: echo, count: 4, annotations }, { timeoutMs: 60_000 });
      await lattice.ctl.scaleComponent(b.id, { component_id: 'echo-there', image_ref: echo, count: 4, annotations }, { timeoutMs: 60_000 });
      const targets = [
        { label: 'lattice: component in the provider host', url: await lattice.route('http', 'echo-here') },
        { label: 'lattice: component on another host (NATS)', url: await lattice.route('http', 'echo-there') },
        { label: 'lattice: provider in its own process (NATS)', url: await lattice.route('http-proc', 'echo-there', '/bench', 'echo-proc') },
      ];
      bare = await bareServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        req.pipe(res);
      });
      targets.push({ label: BASELINE, url: bare.url('/bench') });

      const times = new Map<string, number[]>(targets.map((t) => [t.label, []]));
      for (let round = 0; round < rounds; round++) {
        // Alternating order per round, so a slow phase of the machine hits every path.
        for (const t of round % 2 ? [...targets].reverse() : targets) times.get(t.label)!.push(await echoOnce(t.url, size));
        ctx.log(`  round ${round + 1}/${rounds} done`);
      }
      const mibPerS = (label: string): number => size / 2 ** 20 / (median(times.get(label)!) / 1000);
      const base = mibPerS(BASELINE);
      const section: Section = {
        title: `http-stream (${size / 2 ** 20} MiB upload echoed while it streams, ${rounds} alternating rounds, median)`,
        columns: ['path', 'ms per echo', 'MiB/s', 'vs baseline'],
        rows: targets.map((t) => [
          t.label,
          fmt(median(times.get(t.label)!)),
          fmt(mibPerS(t.label), 1),
          t.label === BASELINE ? 'baseline' : pct(mibPerS(t.label), base),
        ]),
        notes: [
          `Baseline: ${BASELINE} in the benchmark process. The client writes ${PIECE / 1024} KiB pieces and reads the echo concurrently.`,
          'Lattice paths: http-server -> runtime -> worker -> WAT echo (64 KiB blocking reads and writes) -> back; across hosts both bodies are byte streams of the invocation protocol (16-message credit window).',
        ],
      };
      return [section];
    } finally {
      await bare?.close();
      await lattice.stop();
    }
  },
};
