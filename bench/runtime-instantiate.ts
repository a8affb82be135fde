/**
 * Instantiation time per component kind, measured the way a worker instantiates: the cached jco
 * glue's `instantiate` with the runtime's own WASI imports and precompiled core modules.
 *   npm run build && node dist/bench/runtime-instantiate.js [N]
 * Also prints the cold path a scale pays once per digest: jco transpile and core-module compile.
 * Includes the JS http-hello example when it has been built (npm run build:examples), and
 * BENCH_COMPONENT=/path/to/any.wasm.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { buildFixtures } from '../components/tools/wat.js';
import { checkComponentBytes } from '../runtime/binary-check.js';
import { resolveImage } from '../runtime/image-loader.js';
import { ImageCompiler, instanceSettings } from '../runtime/loader.js';
import { defaultCanSatisfy } from '../runtime/imports.js';
import { TranspileCache } from '../runtime/transpile-cache.js';
import { BridgeClient } from '../runtime/worker/bridge-client.js';
import { buildImports } from '../runtime/worker/imports.js';
import { Wasm } from '../runtime/wasm-api.js';
import { summarize, sample } from './runtime-stats.js';

const N = Number(process.argv[2] ?? 2_000);
Wasm.promising ??= (f) => f;

async function main(): Promise<void> {
  const fixtures = await buildFixtures();
  const cacheDir = await mkdtemp(join(tmpdir(), 'lattice-bench-'));
  const logger = pino({ level: 'silent' });
  const cache = new TranspileCache(cacheDir, logger);
  const compiler = new ImageCompiler({
    cache,
    loaders: [await import('../runtime/image-loader.js').then((m) => new m.FileImageLoader())],
    canSatisfy: defaultCanSatisfy,
  });
  const bridge = BridgeClient.unconnected(1_000);
  const kinds: Array<[string, string]> = [
    ['http (wasi:http incoming-handler, WAT)', 'http-hello'],
    ['custom interface (WAT)', 'echo'],
    ['service (wasi:cli/run, WAT)', 'service'],
  ];
  const jsHello = resolvePath(fixtures, '../../components/examples/http-hello/build/http-hello.wasm');
  if (existsSync(jsHello)) kinds.push(['http (JS, componentize-js/StarlingMonkey)', jsHello]);
  const extra = process.env.BENCH_COMPONENT;
  if (extra) kinds.push([`given (${extra})`, extra]);
  try {
    for (const [label, name] of kinds) {
      const ref = name.includes('/') ? pathToFileURL(name).href : pathToFileURL(join(fixtures, `${name}.wasm`)).href;
      const bytes = await resolveImage(ref);
      checkComponentBytes(bytes);
      let t0 = performance.now();
      await cache.get(bytes);
      const transpileMs = performance.now() - t0;
      t0 = performance.now();
      const image = await compiler.load(name, ref, undefined, 256);
      const compileMs = performance.now() - t0;
      const glue = (await import(pathToFileURL(image.transpiled.gluePath).href)) as {
        instantiate(get: (n: string) => WebAssembly.Module, imports: unknown): unknown;
      };
      const settings = instanceSettings(name, image, { reuse: false, maxResponseBytes: 1 << 20 });
      // As in the worker: one import object per component version.
      const imports = buildImports(settings, bridge, { env: [], args: [], log: () => undefined });
      const instantiate = (): unknown => glue.instantiate((n) => image.modules[n]!, imports);
      const stats = summarize(await sample(N, 50, instantiate));
      process.stdout.write(
        `${JSON.stringify({ kind: label, transpile_ms: +transpileMs.toFixed(1), compile_ms: +compileMs.toFixed(1), instantiate: stats })}\n`,
      );
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

await main();
