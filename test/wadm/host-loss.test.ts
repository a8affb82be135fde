/**
 * SIGKILL of a host that runs an application's only instance, under HTTP load: requests fail at
 * once with a clear 503 or 502 (none waits for a deadline), wadm notices the missed heartbeats,
 * re-places the share on the other matching host, and the app's HTTP endpoint answers again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeLoad, HttpLoad } from '../kit/http-load.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { component, httpServer, manifest, WadmLattice } from './lattice.js';

describe('wadm re-places the share of a killed host', { timeout: 90_000 }, () => {
  let lattice: WadmLattice;
  let image: string;

  before(async () => {
    [lattice, image] = await Promise.all([WadmLattice.start(), fixture('http-hello')]);
    await lattice.host('ingress', { zone: 'cloud' });
    await Promise.all([lattice.hostProcess('edge-a', { zone: 'edge' }), lattice.hostProcess('edge-b', { zone: 'edge' })]);
    await lattice.wadm();
  });
  after(async () => lattice?.stop());

  it('serves again from the surviving edge host after SIGKILL', { timeout: 60_000 }, async (t) => {
    const port = await freePort();
    const app = manifest('edge-hello', 'v1', [
      component('hello', image, { type: 'spreadscaler', properties: { instances: 1, spread: [{ name: 'edge', requirements: { zone: 'edge' } }] } }),
      httpServer('hello', `127.0.0.1:${port}`, { zone: 'cloud' }),
    ]);
    assert.ok((await lattice.client.put(app)).accepted);
    await lattice.client.deploy('edge-hello');
    await lattice.waitForState('edge-hello', 'deployed', 30_000);
    const url = `http://127.0.0.1:${port}/`;
    const serving = async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
      return res?.status === 200 && /hello/.test(await res.text());
    };
    await waitFor('the app to serve', serving, { timeoutMs: 15_000 });

    const placed = await lattice.placement('edge_hello-hello');
    assert.equal(placed.size, 1);
    const [victimId] = [...placed.keys()];
    const victim = lattice.processes.find((p) => p.hostId === victimId)!;
    const survivor = lattice.processes.find((p) => p.hostId !== victimId)!;
    assert.ok(victim, 'the component runs on one of the child-process hosts');

    // Bounded load across the loss: what the users of the app see.
    const load = HttpLoad.start({ url, connections: 8 });
    await load.successes(50);
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor('the app to serve again', serving, { timeoutMs: 30_000, intervalMs: 50 });
    const servingAfterMs = Date.now() - killedAt;
    await load.successes(50);
    const report = await load.stop();
    const line = `SIGKILL of the only instance's host -> serving again: ${servingAfterMs} ms; load: ${describeLoad(report)}`;
    t.diagnostic(line);
    process.stderr.write(`# wadm host-loss: ${line}\n`);
    // Nobody waits on the dead host: every request that could not be served got a clear answer.
    assert.equal(report.clientTimeouts, 0, describeLoad(report));
    for (const f of report.failures) {
      assert.ok([502, 503].includes(f.status), `${f.status} ${f.detail}`);
      assert.match(f.detail, /not running|went away/);
    }

    const now = await lattice.placement('edge_hello-hello');
    assert.deepEqual([...now.entries()], [[survivor.hostId, 1]]);
    await lattice.waitForState('edge-hello', 'deployed', 15_000);
  });
});
