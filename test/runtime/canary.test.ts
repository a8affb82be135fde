/**
 * Canaries in the runtime: a second version takes exactly its share of a component's
 * invocations, both versions' figures are counted, and the canary is promoted (the loaded
 * version becomes the component's, nothing reloaded) or dropped by a later scale.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildWat, FIXTURES_SRC } from '../../components/tools/wat.js';
import type { ComponentRuntime } from '../../runtime/mod.js';
import { fixture, startRuntime, tempDir, text } from './helpers.js';

const GREETING = 'hello from a wat component: ';

/** The WAT hello answering `<label> ... : <path>` instead (same length, same code). */
async function variant(dir: string, label: string): Promise<string> {
  const replacement = label.padEnd(GREETING.length, '.');
  const wat = (await readFile(join(FIXTURES_SRC, 'http-hello.wat'), 'utf8')).replaceAll(GREETING, replacement);
  const path = join(dir, `${label}.wasm`);
  await writeFile(path, await buildWat(wat, { witDir: join(FIXTURES_SRC, 'wit'), name: label }));
  return pathToFileURL(path).href;
}

describe('canaries in the runtime', { timeout: 120_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let stable: string;
  let next: string;

  before(async () => {
    ({ runtime, dispose } = await startRuntime());
    dir = await tempDir('lattice-canary-');
    stable = await variant(dir.path, 'stable');
    next = await variant(dir.path, 'next');
  });
  after(async () => {
    await dispose();
    await dir[Symbol.asyncDispose]();
  });

  async function answers(id: string, n: number): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const r = await runtime.handleHttp(id, { method: 'GET', pathWithQuery: '/' });
      const who = text(r.body).split('.')[0]!.split(' ')[0]!;
      seen.set(who, (seen.get(who) ?? 0) + 1);
    }
    return seen;
  }

  it('sends exactly the weight to the canary, counts both, and promotes it without reloading', async () => {
    await runtime.scale({ componentId: 'shop', imageRef: stable, count: 2 });
    const info = await runtime.scale({ componentId: 'shop', imageRef: stable, count: 2, canary: { imageRef: next, weight: 25 } });
    assert.equal(info?.canary?.image_ref, next);
    assert.equal(info?.image_ref, stable);
    assert.deepEqual(Object.fromEntries(await answers('shop', 100)), { stable: 75, next: 25 });
    const status = runtime.canary('shop')!;
    assert.equal(status.stable.requests, 75);
    assert.equal(status.canary.requests, 25);
    assert.equal(status.stable.errors + status.canary.errors, 0);
    assert.ok(status.canary.p50_ms > 0 && status.canary.p99_ms >= status.canary.p50_ms);

    const before = runtime.get('shop')!.instantiations;
    const promoted = await runtime.scale({ componentId: 'shop', imageRef: next, count: 2 });
    assert.equal(promoted?.image_ref, next);
    assert.equal(promoted?.canary, undefined);
    assert.equal(runtime.canary('shop'), null);
    assert.deepEqual(Object.fromEntries(await answers('shop', 20)), { next: 20 });
    assert.ok(runtime.get('shop')!.instantiations >= before, 'the canary version kept its instances');
  });

  it('drops a canary when scaled back to the stable image alone', async () => {
    await runtime.scale({ componentId: 'drop', imageRef: stable, count: 1, canary: { imageRef: next, weight: 50 } });
    assert.deepEqual(Object.fromEntries(await answers('drop', 10)), { stable: 5, next: 5 });
    const dropped = await runtime.scale({ componentId: 'drop', imageRef: stable, count: 1 });
    assert.equal(dropped?.canary, undefined);
    assert.deepEqual(Object.fromEntries(await answers('drop', 10)), { stable: 10 });
  });

  it('counts a canary that fails as errors, and only the canary’s share fails', async () => {
    await runtime.scale({ componentId: 'bad', imageRef: stable, count: 1, canary: { imageRef: await fixture('echo'), weight: 10 } });
    let failed = 0;
    for (let i = 0; i < 50; i++) await runtime.handleHttp('bad', { method: 'GET', pathWithQuery: '/' }).catch(() => failed++);
    assert.equal(failed, 5);
    const status = runtime.canary('bad')!;
    assert.deepEqual([status.canary.requests, status.canary.errors, status.stable.errors], [5, 5, 0]);
  });

  it('refuses a canary the upgrade check refuses, and keeps serving the version it had', async () => {
    await runtime.scale({ componentId: 'checked', imageRef: stable, count: 1 });
    await assert.rejects(
      runtime.scale({
        componentId: 'checked',
        imageRef: stable,
        count: 1,
        canary: { imageRef: await fixture('echo'), weight: 10 },
        verifyUpgrade: (exports) =>
          exports.some((e) => e.startsWith('wasi:http/incoming-handler')) ? null : { missing: ['wasi:http/incoming-handler'], detail: 'a link uses it' },
      }),
      /was not upgraded: a link uses it/,
    );
    assert.equal(runtime.canary('checked'), null);
    assert.deepEqual(Object.fromEntries(await answers('checked', 5)), { stable: 5 });
  });
});
