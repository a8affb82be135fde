/**
 * Cold start: image to first response for the WAT hello fixture and the JS http-hello example,
 * through a fresh ComponentRuntime (worker start, load, transpile, compile, pre-instantiate,
 * first request), with an empty transpile cache and with a warm one; then the same path split
 * into its steps, with the instantiate median from many pool-style instantiations.
 * Baseline: a bare Node process started to serve its first HTTP response (what a process- or
 * container-per-function platform pays at least).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { checkComponentBytes } from '../../runtime/binary-check.js';
import { capMemory, WASM_PAGE } from '../../runtime/wasm/memory-cap.js';
import { ComponentRuntime } from '../../runtime/mod.js';
import { ImageCompiler, instanceSettings } from '../../runtime/loader.js';
import { defaultCanSatisfy } from '../../runtime/imports.js';
import { defaultLoaders } from '../../runtime/image-loader.js';
import { TranspileCache } from '../../runtime/transpile-cache.js';
import { BridgeClient } from '../../runtime/worker/bridge-client.js';
import { buildImports } from '../../runtime/worker/imports.js';
import { Wasm } from '../../runtime/wasm-api.js';
import { sample, summarize } from '../runtime-stats.js';
import { examplePath, watPath } from './examples.js';
import { fmt, median, type Benchmark, type Section } from './types.js';

const silent = pino({ level: 'silent' });

/** ms from a new runtime to the first HTTP response of `path`'s component. */
async function imageToFirstResponse(path: string, cacheDir: string): Promise<number> {
  const t0 = performance.now();
  // The JS example logs through wasi:logging: a host answers it; here a no-op handler does.
  const runtime = new ComponentRuntime({ cacheDir, poolSize: 1, logger: silent, importHandler: async () => undefined });
  try {
    await runtime.scale({ componentId: 'c', imageRef: pathToFileURL(path).href, count: 1 });
    const res = await runtime.handleHttp('c', { method: 'GET', pathWithQuery: '/' });
    if (res.status !== 200) throw new Error(`first response was ${res.status}`);
    return performance.now() - t0;
  } finally {
    await runtime.stop();
  }
}

/** ms from spawning `node` to the first response of a bare http server in it. */
function bareNodeFirstResponse(): Promise<number> {
  const script = "const s=require('http').createServer((q,r)=>r.end('hello')).listen(0,'127.0.0.1',()=>console.log(s.address().port))";
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.stdout.once('data', (chunk: Buffer) => {
      fetch(`http://127.0.0.1:${chunk.toString().trim()}/`)
        .then(async (r) => {
          await r.text();
          resolve(performance.now() - t0);
        }, reject)
        .finally(() => {
          clearTimeout(timer);
          child.kill('SIGKILL');
        });
    });
  });
}

async function steps(path: string, n: number) {
  const dir = await mkdtemp(join(tmpdir(), 'lattice-bench-cold-'));
  try {
    let t = performance.now();
    const bytes = new Uint8Array(await readFile(path));
    checkComponentBytes(bytes);
    const readMs = performance.now() - t;
    t = performance.now();
    await new TranspileCache(dir, silent).get(bytes);
    const transpileColdMs = performance.now() - t;
    t = performance.now();
    const transpiled = await new TranspileCache(dir, silent).get(bytes);
    const transpileCachedMs = performance.now() - t;
    t = performance.now();
    for (const [, core] of transpiled.coreModules) await Wasm.compile(capMemory(core, (256 * 2 ** 20) / WASM_PAGE));
    const compileMs = performance.now() - t;
    // Instantiate as a worker does: cached glue, precompiled modules, the runtime's own WASI imports.
    const compiler = new ImageCompiler({ cache: new TranspileCache(dir, silent), loaders: defaultLoaders, canSatisfy: defaultCanSatisfy });
    const image = await compiler.load('bench', pathToFileURL(path).href, undefined, 256);
    const glue = (await import(pathToFileURL(image.transpiled.gluePath).href)) as {
      instantiate(get: (name: string) => WebAssembly.Module, imports: unknown): unknown;
    };
    const bridge = BridgeClient.unconnected(1_000);
    const settings = instanceSettings('bench', image, { reuse: false, maxResponseBytes: 1 << 20 });
    const imports = buildImports(settings, bridge, { env: [], args: [], log: () => undefined });
    const inst = summarize(await sample(n, Math.min(50, n), () => glue.instantiate((name) => image.modules[name]!, imports)));
    return { readMs, transpileColdMs, transpileCachedMs, compileMs, instantiateP50Us: inst.p50_us, instantiateP99Us: inst.p99_us, n: inst.n };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const coldStart: Benchmark = {
  name: 'cold-start',
  summary: 'image to first response (cold and cached transpile) and its steps, vs a bare Node process start',
  timeoutS: 300,
  async run(ctx) {
    Wasm.promising ??= (f) => f; // as in the worker (docs/architecture.md, fact 1)
    const kinds: Array<[string, string]> = [
      ['WAT hello', await watPath('http-hello')],
      ['JS http-hello', await examplePath('http-hello')],
    ];
    const rounds = ctx.smoke ? 1 : 3;
    const e2e = new Map<string, { cold: number[]; cached: number[] }>(kinds.map(([k]) => [k, { cold: [], cached: [] }]));
    const bare: number[] = [];
    // Alternating rounds: each round starts every kind cold, then cached, then the bare process.
    for (let r = 0; r < rounds; r++) {
      for (const [kind, path] of kinds) {
        const dir = await mkdtemp(join(tmpdir(), 'lattice-bench-cold-'));
        try {
          e2e.get(kind)!.cold.push(await imageToFirstResponse(path, dir));
          e2e.get(kind)!.cached.push(await imageToFirstResponse(path, dir));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      bare.push(await bareNodeFirstResponse());
      ctx.log(`  round ${r + 1}/${rounds} done`);
    }
    const bareMs = median(bare);
    const first: Section = {
      title: `cold start: image to first response (median of ${rounds} alternating rounds)`,
      columns: ['path', 'cold transpile cache, ms', 'warm transpile cache, ms', 'warm vs baseline'],
      rows: [
        ...kinds.map(([kind]) => {
          const m = e2e.get(kind)!;
          return [`lattice: ${kind} (new runtime, 1 worker)`, fmt(median(m.cold)), fmt(median(m.cached)), `${(median(m.cached) / bareMs).toFixed(2)}x`];
        }),
        ['baseline: bare Node process to first HTTP response', fmt(bareMs), fmt(bareMs), 'baseline'],
      ],
      notes: [
        'Lattice figures include starting the worker thread, reading and checking the image, transpile (jco) or cache read, compile, pre-instantiation of one spare instance, and the first request.',
      ],
    };
    const n = ctx.smoke ? 20 : 2_000;
    const split: Section = {
      title: 'cold start: the steps (once per image and process, except instantiate)',
      columns: ['component', 'read + check ms', 'transpile cold ms', 'transpile cached ms', 'compile ms', 'instantiate p50 us', 'instantiate p99 us'],
      rows: [],
      notes: [
        `Instantiate: ${n} sequential instantiations from the cached glue with precompiled modules and the worker's WASI imports, as the pool makes its spare instances. Wasmtime anchor: ~5 us.`,
      ],
    };
    for (const [kind, path] of kinds) {
      const s = await steps(path, kind.startsWith('JS') ? Math.max(10, n / 10) : n);
      split.rows.push([
        kind,
        fmt(s.readMs, 1),
        fmt(s.transpileColdMs),
        fmt(s.transpileCachedMs, 1),
        fmt(s.compileMs, 1),
        fmt(s.instantiateP50Us, 1),
        fmt(s.instantiateP99Us, 1),
      ]);
    }
    return [first, split];
  },
};
