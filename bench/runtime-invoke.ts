/**
 * Invocation round trip through the runtime (main thread -> worker -> guest -> back), and the
 * cost of one host call over the SharedArrayBuffer/Atomics bridge.
 *   npm run build && node dist/bench/runtime-invoke.js [N]
 * - http: handleHttp on the WAT hello component (fresh instance per request from the pool)
 * - custom: invoke echo.echo (no host call)
 * - host call: invoke echo.relay, which makes one import call answered by the main thread;
 *   the difference relay - echo is the bridge's per-call overhead (with and without the
 *   50 us spin-before-wait)
 * - http_js: the JS http-hello example (when built), fresh StarlingMonkey instance per request
 * - 100 concurrent HTTP requests (max_instances 4): wall time and requests per second
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { buildFixtures } from '../components/tools/wat.js';
import { ComponentRuntime } from '../runtime/mod.js';
import { summarize, sample } from './runtime-stats.js';

const N = Number(process.argv[2] ?? 3_000);

async function main(): Promise<void> {
  const fixtures = await buildFixtures();
  const cacheDir = await mkdtemp(join(tmpdir(), 'lattice-bench-'));
  const runtime = new ComponentRuntime({
    cacheDir,
    poolSize: 2,
    logger: pino({ level: 'silent' }),
    importHandler: async (_id, _iface, _fn, args) => args[0],
  });
  const ref = (name: string): string => pathToFileURL(join(fixtures, `${name}.wasm`)).href;
  try {
    await runtime.scale({ componentId: 'hello', imageRef: ref('http-hello'), count: 4 });
    await runtime.scale({ componentId: 'echo', imageRef: ref('echo'), count: 4 });
    await runtime.scale({ componentId: 'echo-reuse', imageRef: ref('echo'), count: 4, annotations: { 'lattice.dev/instance-reuse': 'true' } });
    const request = { method: 'GET', pathWithQuery: '/bench' };
    const results: Record<string, unknown> = {};
    results.http = summarize(await sample(N, 200, () => runtime.handleHttp('hello', request)));
    results.custom = summarize(await sample(N, 200, () => runtime.invoke('echo', 'lattice:fixtures/echo', 'echo', ['x'])));
    results.custom_reuse = summarize(await sample(N, 200, () => runtime.invoke('echo-reuse', 'lattice:fixtures/echo', 'echo', ['x'])));
    results.host_call = summarize(await sample(N, 200, () => runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['x'])));
    results.host_call_reuse = summarize(await sample(N, 200, () => runtime.invoke('echo-reuse', 'lattice:fixtures/echo', 'relay', ['x'])));
    const big = 'x'.repeat(1 << 20);
    results.host_call_1MiB = summarize(await sample(Math.max(50, N / 20), 10, () => runtime.invoke('echo-reuse', 'lattice:fixtures/echo', 'relay', [big])));
    // The same host call with the bridge's spin-before-wait turned off.
    const noSpin = new ComponentRuntime({
      cacheDir,
      poolSize: 2,
      bridgeSpinUs: 0,
      logger: pino({ level: 'silent' }),
      importHandler: async (_id, _iface, _fn, args) => args[0],
    });
    await noSpin.scale({ componentId: 'echo-reuse', imageRef: ref('echo'), count: 4, annotations: { 'lattice.dev/instance-reuse': 'true' } });
    results.host_call_reuse_no_spin = summarize(await sample(N, 200, () => noSpin.invoke('echo-reuse', 'lattice:fixtures/echo', 'relay', ['x'])));
    await noSpin.stop();
    const jsHello = join(fixtures, '../../components/examples/http-hello/build/http-hello.wasm');
    if (existsSync(jsHello)) {
      await runtime.scale({ componentId: 'js-hello', imageRef: pathToFileURL(jsHello).href, count: 4 });
      results.http_js = summarize(await sample(Math.max(100, N / 10), 20, () => runtime.handleHttp('js-hello', request)));
    }
    const rounds = 20;
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      await Promise.all(Array.from({ length: 100 }, () => runtime.handleHttp('hello', request)));
    }
    const ms = performance.now() - t0;
    results.http_100_concurrent = { rounds, mean_round_ms: +(ms / rounds).toFixed(2), requests_per_s: Math.round((rounds * 100) / (ms / 1000)) };
    for (const [k, v] of Object.entries(results)) process.stdout.write(`${JSON.stringify({ case: k, ...(v as object) })}\n`);
  } finally {
    await runtime.stop();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

await main();
