/**
 * The glue transform and the core-module state rewrite, against every component this project
 * builds: each WAT fixture and each example must get the lean sync call path and be resettable
 * (a newer jco or toolchain that breaks either shows up here, not as a silent slowdown). The
 * transform must also refuse what it does not understand.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildProject } from '../../components/tools/build.js';
import { EXAMPLES_DIR } from '../../components/tools/paths.js';
import { transformGlue } from '../../runtime/glue/transform.js';
import { defaultLoaders } from '../../runtime/image-loader.js';
import { ImageCompiler, type LoadedImage } from '../../runtime/loader.js';
import { TranspileCache } from '../../runtime/transpile-cache.js';
import { fixtures, tempDir } from './helpers.js';

/**
 * Fixtures that are not components the runtime loads (they exist to test refusals), and the
 * component-model async ones, which keep jco's own async call path and its stream tables, so are
 * instantiated per invocation (async-components.test.ts, test/e2e/wasip3-http.test.ts).
 */
const NOT_LOADABLE = new Set(['core-module', 'corrupt', 'not-wasm', 'pre-1.0', 'truncated', 'wasip3-stand-in', 'async-probe', 'http-hello-p3']);

describe('glue transform and instance reset, on every component the project builds', { timeout: 600_000 }, () => {
  let cacheDir: Awaited<ReturnType<typeof tempDir>>;
  let compiler: ImageCompiler;

  before(async () => {
    cacheDir = await tempDir('lattice-glue-');
    compiler = new ImageCompiler({ cache: new TranspileCache(cacheDir.path, pino({ level: 'silent' })), loaders: defaultLoaders, canSatisfy: () => true });
  });
  after(() => cacheDir[Symbol.asyncDispose]());

  const assertResettable = (name: string, image: LoadedImage): void => {
    assert.equal(image.transpiled.glue.lean, null, `${name}: lean sync glue refused: ${image.transpiled.glue.lean}`);
    assert.equal(image.transpiled.glue.stateHook, null, `${name}: state hook refused: ${image.transpiled.glue.stateHook}`);
    assert.equal(image.reset.resettable, true, `${name}: not resettable: ${image.reset.reason}`);
  };

  it('every WAT fixture', async () => {
    const dir = await fixtures();
    const names = (await readdir(dir)).filter((f) => f.endsWith('.wasm')).map((f) => f.slice(0, -5));
    assert.ok(names.length >= 10);
    for (const name of names.filter((n) => !NOT_LOADABLE.has(n))) {
      assertResettable(name, await compiler.load(name, pathToFileURL(join(dir, `${name}.wasm`)).href, undefined, 64));
    }
  });

  it('every example (componentize-js builds)', async () => {
    const projects = (await readdir(EXAMPLES_DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    assert.ok(projects.length >= 5);
    for (const project of projects) {
      for (const built of await buildProject(join(EXAMPLES_DIR, project))) {
        assertResettable(built.name, await compiler.load(built.name, pathToFileURL(built.wasmPath).href, undefined, 256));
      }
    }
  });

  it('the same with JSPI glue (a Node 24+ host): provider imports suspend, the lean path and the reset still apply', async () => {
    await using jspiDir = await tempDir('lattice-glue-jspi-');
    const jspi = new ImageCompiler({
      cache: new TranspileCache(jspiDir.path, pino({ level: 'silent' }), true),
      loaders: defaultLoaders,
      canSatisfy: () => true,
    });
    const suspending: string[] = [];
    const fixtureDir = await fixtures();
    const images: Array<[string, string]> = (await readdir(fixtureDir))
      .filter((f) => f.endsWith('.wasm') && !NOT_LOADABLE.has(f.slice(0, -5)))
      .map((f) => [f.slice(0, -5), pathToFileURL(join(fixtureDir, f)).href]);
    for (const project of (await readdir(EXAMPLES_DIR, { withFileTypes: true })).filter((e) => e.isDirectory())) {
      for (const built of await buildProject(join(EXAMPLES_DIR, project.name))) images.push([built.name, pathToFileURL(built.wasmPath).href]);
    }
    for (const [name, ref] of images) {
      const image = await jspi.load(name, ref, undefined, 256);
      assertResettable(name, image);
      if (image.transpiled.jspi) suspending.push(name);
    }
    // Those that import a provider interface (keyvalue, blobstore, messaging, logging...).
    for (const name of ['kv-counter', 'blobby']) assert.ok(suspending.includes(name), `${name} suspends on its provider calls: ${suspending.join(', ')}`);
    // Only WASI the workers implement themselves: nothing to suspend on, the glue stays sync.
    assert.ok(!suspending.includes('state'), 'a component of WASI only keeps sync glue');
  });

  it('refuses the lean path for a call site it does not recognise as sync, and keeps the glue valid', async () => {
    const image = await compiler.load('echo', pathToFileURL(join(await fixtures(), 'echo.wasm')).href, undefined, 64);
    // The cached glue is already transformed; jco's own output is what the transform sees normally,
    // so start again from it: transpile output is deterministic, the cache holds the rewritten one.
    const rewritten = await readFile(image.transpiled.gluePath, 'utf8');
    assert.ok(rewritten.includes("Symbol.for('lattice.glue-state')"));
    assert.ok(!/^\s*_debugLog\(/m.test(rewritten), 'debug log calls are gone');
    const asyncSite = rewritten.replace(/isAsync: false/, 'isAsync: true');
    const { report } = transformGlue(asyncSite);
    assert.match(report.lean ?? '', /isAsync is true/);
  });

  it('component-model async glue: a task waiting on a stream or future resumes when its event arrives, not at the next poll', async () => {
    const { transpile } = await import('@bytecodealliance/jco');
    for (const name of ['http-hello-p3', 'async-probe']) {
      // jco's own output (the cache would hold it rewritten); transpiling needs no JSPI, running does.
      const { files } = await transpile(await readFile(join(await fixtures(), `${name}.wasm`)), {
        name,
        instantiation: 'sync',
        noTypescript: true,
        quiet: true,
      });
      const glue = Buffer.from(files[`${name}.js`]!).toString('utf8');
      const { source, report } = transformGlue(glue);
      assert.equal(report.asyncWake, null, `${name}: ${report.asyncWake}`);
      // An event wakes the loop; the 10 ms sleep between ticks is one an event cuts short.
      assert.match(source, /setPendingEvent\(fn\) \{[^}]*_wakeTicks\(\); \}/, name);
      assert.ok(!/setTimeout\(resolve, delay\)/.test(source), `${name}: the tick loop still sleeps on a bare timer`);
      assert.match(source, /_tickSleep\(delay\)/, name);
      // A loop of another shape is left as jco wrote it, with the reason.
      const other = transformGlue(glue.replace('setTimeout(resolve, delay)', 'setTimeout(resolve, delay * 2)'));
      assert.match(other.report.asyncWake ?? '', /known shape/);
      assert.ok(!other.source.includes('_wakeTicks'), `${name}: a refused edit leaves no helper behind`);
    }
    // Sync glue has no async machinery: nothing to do, nothing refused.
    const { files } = await transpile(await readFile(join(await fixtures(), 'echo.wasm')), {
      name: 'echo',
      instantiation: 'sync',
      noTypescript: true,
      quiet: true,
    });
    assert.equal(transformGlue(Buffer.from(files['echo.js']!).toString('utf8')).report.asyncWake, null);
  });

  it('refuses glue of an unknown shape and returns it unchanged', () => {
    const source = 'export function instantiate() { return {}; }';
    const { source: out, report } = transformGlue(source);
    assert.equal(out, source);
    assert.ok(report.lean && report.stateHook);
  });
});
