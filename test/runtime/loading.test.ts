import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ImageLoadError,
  InvalidComponentError,
  UnsatisfiedImportsError,
  InvalidSettingError,
  UnsupportedComponentError,
  type ComponentRuntime,
} from '../../runtime/mod.js';
import { fixture, fixtures, startRuntime, tempDir, text } from './helpers.js';

describe('loading components', { timeout: 120_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;
  before(async () => {
    await fixtures();
    ({ runtime, dispose } = await startRuntime());
  });
  after(() => dispose());

  async function refusal(name: string): Promise<unknown> {
    return runtime.scale({ componentId: name, imageRef: await fixture(name), count: 1 }).then(
      () => assert.fail(`${name} was accepted`),
      (error: unknown) => error,
    );
  }

  it('refuses a WASIp3 component it cannot serve with the reason, naming the Node version it needs on Node 20', async () => {
    const error = await refusal('wasip3-stand-in');
    assert.ok(error instanceof UnsupportedComponentError, String(error));
    assert.match(error.message, /WASIp3 component \(wasi:http\/handler@0\.3\.0-rc-2025-09-16\)/);
    if (Number(process.versions.node.split('.')[0]) < 24) assert.match(error.message, /needs Node 24 or newer/);
    else assert.match(error.message, /serves an HTTP handler .*; not wasi:http\/handler@0\.3\.0-rc-2025-09-16/);
  });

  it('refuses a core module with the exact reason', async () => {
    const error = await refusal('core-module');
    assert.ok(error instanceof InvalidComponentError);
    assert.equal(error.problem, 'core-module');
    assert.match(error.message, /core WebAssembly module, not a component/);
  });

  it('refuses the pre-1.0 component encoding', async () => {
    const error = await refusal('pre-1.0');
    assert.ok(error instanceof InvalidComponentError);
    assert.equal(error.problem, 'unsupported-encoding');
    assert.match(error.message, /version 0xa layer 1 is a pre-1\.0 encoding/);
  });

  it('refuses a truncated component, naming the cut section', async () => {
    const error = await refusal('truncated');
    assert.ok(error instanceof InvalidComponentError);
    assert.equal(error.problem, 'truncated');
    assert.match(error.message, /section \d+ .* declares \d+ bytes but only \d+ remain: the file is truncated/);
  });

  it('refuses a component whose sections are garbled', async () => {
    const error = await refusal('corrupt');
    assert.ok(error instanceof InvalidComponentError);
    assert.equal(error.problem, 'corrupt');
    assert.match(error.message, /not a runnable component \(corrupt\): (jco cannot read the component|core module \S+ does not compile): /);
  });

  it('refuses a file that is not WebAssembly', async () => {
    const error = await refusal('not-wasm');
    assert.ok(error instanceof InvalidComponentError);
    assert.equal(error.problem, 'not-wasm');
  });

  it('refuses unsatisfiable imports, naming every missing interface', async () => {
    const error = await refusal('unsatisfiable');
    assert.ok(error instanceof UnsatisfiedImportsError);
    assert.deepEqual(error.missing.sort(), ['wasi:unknown/crystal-ball@0.1.0', 'wasi:unknown/oracle@0.1.0']);
    assert.match(error.message, /wasi:unknown\/oracle@0\.1\.0/);
    assert.match(error.message, /wasi:unknown\/crystal-ball@0\.1\.0/);
    assert.equal(runtime.get('unsatisfiable'), null);
  });

  it('uses a pluggable canSatisfy (the link router decides)', async () => {
    const custom = await startRuntime({ canSatisfy: (name) => name.namespace !== 'lattice' });
    try {
      const error = await custom.runtime.scale({ componentId: 'echo', imageRef: await fixture('echo'), count: 1 }).catch((e: unknown) => e);
      assert.ok(error instanceof UnsatisfiedImportsError);
      assert.deepEqual(error.missing, ['lattice:fixtures/upstream@0.1.0']);
    } finally {
      await custom.dispose();
    }
  });

  it('names a missing file and an unknown scheme', async () => {
    const missing = await runtime.scale({ componentId: 'gone', imageRef: 'file:///nonexistent/x.wasm', count: 1 }).catch((e: unknown) => e);
    assert.ok(missing instanceof ImageLoadError);
    assert.match(missing.message, /no such file \/nonexistent\/x\.wasm/);
    const scheme = await runtime.scale({ componentId: 'oci', imageRef: 'oci://ghcr.io/x/y:1', count: 1 }).catch((e: unknown) => e);
    assert.ok(scheme instanceof ImageLoadError);
    assert.match(scheme.message, /unsupported scheme oci:\/\/ \(this host loads file:\/\/\)/);
  });

  it('refuses bad runtime annotations', async () => {
    const error = await runtime
      .scale({ componentId: 'bad', imageRef: await fixture('http-hello'), count: 1, annotations: { 'lattice.dev/deadline-ms': 'soon' } })
      .catch((e: unknown) => e);
    assert.ok(error instanceof InvalidSettingError);
    assert.match(error.message, /lattice\.dev\/deadline-ms="soon" must be an integer/);
  });

  it('resolves relative file:// references against baseDir', async () => {
    await using dir = await tempDir('lattice-rt-base-');
    await mkdir(join(dir.path, 'build'));
    await copyFile(join(await fixtures(), 'http-hello.wasm'), join(dir.path, 'build', 'hello.wasm'));
    const info = await runtime.scale({ componentId: 'relative', imageRef: 'file://./build/hello.wasm', baseDir: dir.path, count: 1 });
    assert.equal(info?.kind, 'http');
    const response = await runtime.handleHttp('relative', { method: 'GET', pathWithQuery: '/rel' });
    assert.equal(text(response.body), 'hello from a wat component: /rel\n');
    await runtime.scale({ componentId: 'relative', imageRef: 'file://./build/hello.wasm', count: 0 });
  });

  it('runs components importing wasi:http 0.2.0 and 0.2.4 (semver-compatible)', async () => {
    for (const name of ['http-hello', 'http-hello-0.2.4']) {
      const info = await runtime.scale({ componentId: name.replaceAll('.', '-'), imageRef: await fixture(name), count: 1 });
      assert.ok(info?.imports.some((i) => i.startsWith('wasi:http/types@0.2.')));
      const response = await runtime.handleHttp(name.replaceAll('.', '-'), { method: 'GET', pathWithQuery: `/${name}` });
      assert.equal(response.status, 200);
      assert.equal(text(response.body), `hello from a wat component: /${name}\n`);
    }
  });

  it('lists the imports and exports at load', async () => {
    const info = await runtime.scale({ componentId: 'echo-list', imageRef: await fixture('echo'), count: 1 });
    assert.deepEqual(info?.imports, ['lattice:fixtures/upstream@0.1.0']);
    assert.deepEqual(info?.exports, ['lattice:fixtures/echo@0.1.0']);
    assert.equal(info?.kind, 'custom');
    assert.ok(runtime.list().some((c) => c.id === 'echo-list'));
  });
});

describe('transpile cache', { timeout: 120_000 }, () => {
  it('transpiles once per digest; a second runtime on a warm cache does not transpile', async () => {
    await using cache = await tempDir('lattice-rt-warm-');
    const imageRef = await fixture('http-hello');
    const first = await startRuntime({ cacheDir: cache.path });
    try {
      const a = await first.runtime.scale({ componentId: 'a', imageRef, count: 1 });
      const b = await first.runtime.scale({ componentId: 'b', imageRef, count: 1 });
      assert.equal(a?.from_cache, false);
      assert.equal(b?.digest, a?.digest);
      assert.equal(first.runtime.cache.transpileCount, 1);
    } finally {
      await first.dispose();
    }
    const second = await startRuntime({ cacheDir: cache.path });
    try {
      const info = await second.runtime.scale({ componentId: 'a', imageRef, count: 1 });
      assert.equal(info?.from_cache, true);
      assert.equal(second.runtime.cache.transpileCount, 0);
      const response = await second.runtime.handleHttp('a', { method: 'GET', pathWithQuery: '/warm' });
      assert.equal(text(response.body), 'hello from a wat component: /warm\n');
    } finally {
      await second.dispose();
    }
  });
});
