/**
 * Canaries end to end (docs/wadm.md, "Canaries"): an app over two hosts with the canary policy is
 * upgraded under HTTP load. A good new version takes its share beside the running one, is judged
 * after the window and promoted on every host; a version that answers 503 is rolled back, the
 * earlier version deployed again, and `lattice app deploy` says so. Both decisions, with their
 * figures, are in `app status` and `app history`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { buildWat, FIXTURES_SRC } from '../../components/tools/wat.js';
import type { AppStatus } from '../../protocol/schemas/wadm.js';
import { describeLoad, HttpLoad } from '../kit/http-load.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { REPO_ROOT } from './manifest-files.js';
import { component, httpServer, LATTICE, manifest, WadmLattice } from './lattice.js';

const GREETING = 'hello from a wat component: ';

/** The WAT hello fixture answering `release N ...` with HTTP `status` (same code otherwise). */
async function releaseImage(dir: string, n: number, status = 200): Promise<string> {
  const text = `release ${n} of the canary app:`;
  assert.equal(text.length, GREETING.length);
  const source = await readFile(join(FIXTURES_SRC, 'http-hello.wat'), 'utf8');
  assert.ok(source.includes('(i32.const 200)'));
  const wat = source.replaceAll(GREETING, text).replace('(i32.const 200)', `(i32.const ${status})`);
  const bytes = await buildWat(wat, { witDir: join(FIXTURES_SRC, 'wit'), name: `release-${n}` });
  const path = join(dir, `release-${n}.wasm`);
  await writeFile(path, bytes);
  return pathToFileURL(path).href;
}

describe('canary upgrades judged by wadm', { timeout: 240_000 }, () => {
  let lattice: WadmLattice;
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const argv = [join(REPO_ROOT, 'dist', 'cli', 'main.js'), '--nats-url', lattice.server.url, '--lattice', LATTICE, ...args];
      execFile(process.execPath, argv, { timeout: 90_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });

  before(async () => {
    lattice = await WadmLattice.start();
    for (const name of ['canary-a', 'canary-b']) await lattice.host(name, { zone: 'cloud' });
    await lattice.wadm();
  });
  after(async () => lattice?.stop());

  it('promotes a good version after its window and rolls a failing one back, under load', async (t) => {
    const dir = join(lattice.dataDir, 'images');
    await mkdir(dir, { recursive: true });
    const [one, two, three] = await Promise.all([releaseImage(dir, 1), releaseImage(dir, 2), releaseImage(dir, 3, 503)]);
    const port = await freePort();
    const app = (version: string, image: string) => {
      const m = manifest('canaried', version, [
        component('web', image, { type: 'spreadscaler', properties: { instances: 4 } }),
        httpServer('web', `127.0.0.1:${port}`),
      ]);
      const spec = m.spec as Record<string, unknown>;
      spec.policies = [{ name: 'canary', type: 'policy.lattice.dev/canary', properties: { weight: '25', window_seconds: '3', min_requests: '40' } }];
      return m;
    };
    const file = async (version: string, image: string) => {
      const path = join(dir, `canaried-${version}.yaml`);
      await writeFile(path, stringify(app(version, image)));
      return path;
    };
    const hosted = async () => (await lattice.inventories()).flatMap((inv) => inv.components.filter((c) => c.id === 'canaried-web'));

    // The first version has nothing to be compared with: deployed as usual.
    const first = await cli('app', 'deploy', await file('v1', one));
    assert.equal(first.code, 0, first.stderr);
    const url = `http://127.0.0.1:${port}/`;
    await waitFor('the app to answer', async () => (await fetch(url).catch(() => null))?.status === 200, { timeoutMs: 15_000 });
    const load = HttpLoad.start({ url, connections: 6 });
    await load.successes(100);

    // A good version: both answer while it is watched, then every host runs it alone.
    const deploying = cli('app', 'deploy', await file('v2', two));
    const watched = await waitFor(
      'the canary to be watched on both hosts',
      async () => {
        const s = await lattice.client.status('canaried');
        return s.canaries?.find((c) => c.version === 'v2' && c.state === 'watching' && c.since !== undefined) ? s : null;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    assert.equal(watched.state, 'reconciling', 'not deployed while the canary is watched');
    for (const c of await hosted()) assert.deepEqual([c.image_ref, c.canary?.image_ref, c.canary?.weight], [one, two, 25]);
    const promoted = await deploying;
    assert.equal(promoted.code, 0, promoted.stderr);
    const status = await lattice.client.status('canaried');
    assert.equal(status.version, 'v2');
    const verdict = status.canaries?.find((c) => c.version === 'v2');
    assert.equal(verdict?.state, 'promoted', JSON.stringify(status.canaries));
    assert.ok(verdict.canary.requests >= 40 && verdict.stable.requests > verdict.canary.requests, JSON.stringify(verdict));
    await waitFor('v2 alone on both hosts', async () => (await hosted()).every((c) => c.image_ref === two && !c.canary), { timeoutMs: 15_000 });
    await load.successes(100);
    const good = await load.stop();
    t.diagnostic(`upgrade through a canary: ${describeLoad(good)}`);
    assert.equal(good.failures.length, 0, describeLoad(good));
    const answers = new Set(good.outcomes.map((o) => /^release (\d)/.exec(o.detail)?.[1]));
    assert.deepEqual([...answers].sort(), ['1', '2'], 'answers from the running version and from the canary');

    // A version answering 503: rolled back to v2, and the deploy command fails saying so.
    const bad = HttpLoad.start({ url, connections: 6 });
    const refused = await cli('app', 'deploy', await file('v3', three));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /the canary of canaried v3 was rolled back \(web: error rate [\d.]+% against 0%, above the margin of 1%\); v2 runs again/);
    await waitFor('v2 alone on both hosts again', async () => (await hosted()).every((c) => c.image_ref === two && !c.canary), { timeoutMs: 15_000 });
    await bad.successes(50);
    const during = await bad.stop();
    t.diagnostic(`a failing canary: ${describeLoad(during)}`);
    assert.ok(
      during.failures.every((f) => f.status === 503 && f.detail.startsWith('release 3')),
      'only the canary failed',
    );
    assert.ok(during.failures.length > 0);

    const after: AppStatus = await lattice.client.status('canaried');
    assert.deepEqual([after.version, after.state], ['v2', 'deployed']);
    const rollback = after.canaries?.find((c) => c.version === 'v3');
    assert.equal(rollback?.state, 'rolled_back');
    assert.ok(rollback.canary.errors > 0 && rollback.stable.errors === 0, JSON.stringify(rollback));
    const shown = await cli('app', 'status', 'canaried');
    assert.match(shown.stdout, /Canaries/);
    assert.match(shown.stdout, /web\W+v3\W+\S+release-3\.wasm\W+25%\W+rolled back\W+\d+ \/ \d+\W+0 \/ \d+/);
    const history = await cli('app', 'history', 'canaried');
    assert.match(history.stdout, /v2\W.*web promoted at \S+: error rate/);
    assert.match(history.stdout, /v3\W.*web rolled back at \S+: error rate/);
  });
});
