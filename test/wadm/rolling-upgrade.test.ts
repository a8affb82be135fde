/**
 * Upgrades under load: an application spread over three hosts is moved to a new version three
 * times while HTTP requests keep coming. What has to hold: no request fails, and every answer
 * comes whole from one version (the old or the new one), never a mix. Each host prepares the new
 * version (loaded and pre-instantiated in its workers) before it stops taking work on the old
 * one, whose in-flight requests finish (runtime/runtime.ts, `update`). wadm moves one host at a
 * time (wadm/scalers/upgrade-wave.ts), so a version that fails on the first host reaches no other.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildWat, FIXTURES_SRC } from '../../components/tools/wat.js';
import { EventRecorder } from '../kit/events.js';
import { describeLoad, HttpLoad } from '../kit/http-load.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { component, httpServer, LATTICE, manifest, WadmLattice } from './lattice.js';

const GREETING = 'hello from a wat component: ';

/** The WAT hello fixture answering `version N of the app, here: <path>` (same length, same code). */
async function versionImage(dir: string, n: number): Promise<string> {
  const text = `version ${n} of the app, here: `;
  assert.equal(text.length, GREETING.length);
  const wat = (await readFile(join(FIXTURES_SRC, 'http-hello.wat'), 'utf8')).replaceAll(GREETING, text);
  const bytes = await buildWat(wat, { witDir: join(FIXTURES_SRC, 'wit'), name: `hello-v${n}` });
  const path = join(dir, `hello-v${n}.wasm`);
  await writeFile(path, bytes);
  return pathToFileURL(path).href;
}

describe('rolling upgrades under load', { timeout: 180_000 }, () => {
  let lattice: WadmLattice;

  before(async () => {
    lattice = await WadmLattice.start();
    for (const name of ['up-a', 'up-b', 'up-c']) await lattice.host(name, { zone: 'cloud' });
    await lattice.wadm();
  });
  after(async () => lattice?.stop());

  it('upgrades three times across three hosts with no failed request and no mixed answer', async (t) => {
    const dir = join(lattice.dataDir, 'images');
    await mkdir(dir, { recursive: true });
    const images = await Promise.all([1, 2, 3, 4].map((n) => versionImage(dir, n)));
    const port = await freePort();
    const app = (n: number) =>
      manifest('rolling', `v${n}`, [
        component('hello', images[n - 1]!, { type: 'spreadscaler', properties: { instances: 6 } }),
        httpServer('hello', `127.0.0.1:${port}`),
      ]);
    const url = `http://127.0.0.1:${port}/`;
    const runs = async (n: number): Promise<boolean> => {
      const inventories = await lattice.inventories();
      const placed = inventories.flatMap((inv) => inv.components.filter((c) => c.id === 'rolling-hello'));
      return placed.length === 3 && placed.every((c) => c.image_ref === images[n - 1]);
    };

    assert.ok((await lattice.client.put(app(1))).accepted);
    await lattice.client.deploy('rolling');
    await lattice.waitForState('rolling', 'deployed', 30_000);
    await waitFor('version 1 on every host', () => runs(1), { timeoutMs: 30_000 });
    await waitFor('the app to answer', async () => (await fetch(url).catch(() => null))?.status === 200, { timeoutMs: 15_000 });

    const load = HttpLoad.start({ url, connections: 8 });
    await load.successes(100);
    for (const n of [2, 3, 4]) {
      assert.ok((await lattice.client.put(app(n))).accepted);
      const reply = await lattice.client.deploy('rolling');
      assert.equal(reply.version, `v${n}`);
      await waitFor(`version ${n} on every host`, () => runs(n), { timeoutMs: 30_000, intervalMs: 100 });
      await lattice.waitForState('rolling', 'deployed', 30_000);
      await load.successes(200);
    }
    const report = await load.stop();
    t.diagnostic(`three upgrades under load: ${describeLoad(report)}`);
    assert.equal(report.failures.length, 0, describeLoad(report));
    const seen = new Map<string, number>();
    for (const outcome of report.outcomes) {
      const match = /^version ([1-4]) of the app, here: \/$/.exec(outcome.detail);
      assert.ok(match, `an answer from exactly one version, whole: ${JSON.stringify(outcome.detail)}`);
      seen.set(match[1]!, (seen.get(match[1]!) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), ['1', '2', '3', '4'], `answers per version: ${JSON.stringify(Object.fromEntries(seen))}`);
  });

  it('goes host by host: a version the first host refuses never reaches the others, which keep serving', async () => {
    const port = await freePort();
    const dir = join(lattice.dataDir, 'images');
    await mkdir(dir, { recursive: true });
    const good = await versionImage(dir, 7);
    // A component without the HTTP export: each host's upgrade check refuses it (the link from
    // the http-server uses wasi:http/incoming-handler), so the rollout can never get past a host.
    const broken = join(dir, 'echo.wasm');
    await writeFile(broken, await buildWat(await readFile(join(FIXTURES_SRC, 'echo.wat'), 'utf8'), { witDir: join(FIXTURES_SRC, 'wit'), name: 'echo' }));
    const app = (version: string, image: string) =>
      manifest('waves', version, [component('hello', image, { type: 'daemonscaler', properties: { instances: 2 } }), httpServer('hello', `127.0.0.1:${port}`)]);
    assert.ok((await lattice.client.put(app('v1', good))).accepted);
    await lattice.client.deploy('waves');
    await lattice.waitForState('waves', 'deployed', 30_000);
    const url = `http://127.0.0.1:${port}/`;
    await waitFor('the app to answer', async () => (await fetch(url).catch(() => null))?.status === 200, { timeoutMs: 15_000 });

    const events = await EventRecorder.start(lattice.nc, LATTICE);
    const load = HttpLoad.start({ url, connections: 4 });
    await load.successes(50);
    assert.ok((await lattice.client.put(app('v2', pathToFileURL(broken).href))).accepted);
    await lattice.client.deploy('waves');
    const first = [...lattice.hosts.map((h) => h.id)].sort()[0]!;
    const refused = await events.waitFor('component_scale_failed', { match: (e) => e.data.component_id === 'waves-hello', timeoutMs: 20_000 });
    assert.equal(refused.data.host_id, first, 'the first host by id is the first wave');
    // The reconciler retries the refused host with backoff (1 s, 2 s, ...); the others wait their turn.
    await waitFor('a retry of the refused host', () => events.of('component_scale_failed').length >= 2, { timeoutMs: 20_000 });
    const failedHosts = new Set(events.of('component_scale_failed').map((e) => e.data.host_id));
    assert.deepEqual([...failedHosts], [first], 'no other host was asked to take the refused version');
    const status = await lattice.client.status('waves');
    assert.match(JSON.stringify(status.scalers), /waiting for their turn/);
    for (const inv of await lattice.inventories()) {
      assert.equal(inv.components.find((c) => c.id === 'waves-hello')?.image_ref, good, `${inv.id} still runs the version that worked`);
    }
    await load.successes(50);
    const report = await load.stop();
    assert.equal(report.failures.length, 0, describeLoad(report));
  });
});
