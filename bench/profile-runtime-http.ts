/**
 * Driver for profiling the runtime's HTTP path without NATS or sockets: the WAT hello fixture on
 * a ComponentRuntime (2 workers; the TypeScript example with `js` as second argument, the WASIp3
 * hello with `p3`, which needs Node 24), 2,000 sequential then 2,000 requests 50 at a time, with a
 * fresh instance per request or with instance reuse. Profile every thread with:
 *   npm run build && node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/profile-runtime-http.js [fresh|reuse] [wat|js|p3]
 * (one .cpuprofile per thread; open them in Chrome DevTools or speedscope).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ComponentRuntime } from '../runtime/mod.js';
import { exampleImage, watImage } from './suite/examples.js';

const reuse = process.argv[2] === 'reuse';
const kind = process.argv[3] === 'js' || process.argv[3] === 'p3' ? process.argv[3] : 'wat';
const N = 2_000;

async function main(): Promise<void> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'lattice-bench-prof-'));
  const runtime = new ComponentRuntime({ cacheDir, poolSize: 2, logger: pino({ level: 'silent' }), importHandler: async () => undefined, guestLogLevel: 40 });
  try {
    const annotations: Record<string, string> = reuse ? { 'lattice.dev/instance-reuse': 'true' } : {};
    await runtime.scale({
      componentId: 'hello',
      imageRef: kind === 'js' ? await exampleImage('http-hello') : await watImage(kind === 'p3' ? 'http-hello-p3' : 'http-hello'),
      count: 100,
      annotations,
    });
    const request = { method: 'GET', pathWithQuery: '/bench' };
    for (let i = 0; i < 200; i++) await runtime.handleHttp('hello', request);
    let t0 = performance.now();
    for (let i = 0; i < N; i++) await runtime.handleHttp('hello', request);
    const sequentialUs = ((performance.now() - t0) * 1000) / N;
    t0 = performance.now();
    for (let r = 0; r < N / 50; r++) await Promise.all(Array.from({ length: 50 }, () => runtime.handleHttp('hello', request)));
    const rps = N / ((performance.now() - t0) / 1000);
    process.stdout.write(
      `${{ wat: 'WAT', js: 'JS', p3: 'WASIp3' }[kind]} hello, ${reuse ? 'instance reuse' : 'fresh instance'}: ${sequentialUs.toFixed(0)} us per sequential request, ${Math.round(rps)} req/s at 50 concurrent\n`,
    );
  } finally {
    await runtime.stop();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

await main();
