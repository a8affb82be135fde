/**
 * Chaos under load: an application spread over three edge hosts (`lattice host` processes),
 * reached through an http-server provider running as its own process on the ingress host, keeps
 * HTTP load while, one after the other: random edge hosts are SIGKILLed (a replacement starts
 * after each, as a supervisor would), the provider process is SIGKILLed, a component fills its
 * memory cap, and the nats-server restarts. Per fault: requests failed, time to serving again,
 * and what of the stored state (manifest versions, links, config, secrets) was lost.
 *
 * Targets asserted: no failed request on host loss (three instances: another serves every
 * request), no failed request while a component traps on its memory cap, serving again within
 * 5 s of NATS being back, and nothing of the state lost after any fault.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Host } from '../../host/mod.js';
import { invoke } from '../../protocol/mod.js';
import { describeLoad, HttpLoad } from '../kit/http-load.js';
import type { HostProcess } from '../kit/hosts.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { component, LATTICE, manifest, WadmLattice } from '../wadm/lattice.js';
import { lostState, report, seed, type SeededState } from './kit.js';

const APP = 'chaos';
const COMPONENT = 'chaos-hello';

describe('chaos under load', { timeout: 300_000 }, () => {
  let lattice: WadmLattice;
  let ingress: Host;
  let url: string;
  let load: HttpLoad;
  const edge: HostProcess[] = [];
  let state: SeededState;

  const serving = async (): Promise<boolean> => (await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => null))?.status === 200;
  const noneLost = async (fault: string, t: Parameters<typeof report>[0]): Promise<void> => {
    const lost = await lostState(lattice.nc, LATTICE, state);
    report(t, fault, `state lost: ${lost.length ? lost.join(', ') : 'nothing'}`);
    assert.deepEqual(lost, [], `${fault}: state lost`);
  };

  before(async () => {
    lattice = await WadmLattice.start();
    ingress = await lattice.host('chaos-ingress', { zone: 'cloud' });
    for (const name of ['edge-1', 'edge-2', 'edge-3']) edge.push(await lattice.hostProcess(name, { zone: 'edge' }));
    await lattice.wadm();
    const [hello, bomb] = await Promise.all([fixture('http-hello'), fixture('memory-bomb')]);
    const app = (version: string) =>
      manifest(APP, version, [
        component('hello', hello, { type: 'spreadscaler', properties: { instances: 3, spread: [{ name: 'edge', requirements: { zone: 'edge' } }] } }),
      ]);
    assert.ok((await lattice.client.put(app('v1'))).accepted);
    assert.ok((await lattice.client.put(app('v2'))).accepted);
    await lattice.client.deploy(APP, 'v2');
    await lattice.waitForState(APP, 'deployed', 60_000);

    const port = await freePort();
    state = {
      app: APP,
      versions: ['v1', 'v2'],
      links: [
        { source_id: 'http', target: COMPONENT, wit_namespace: 'wasi', wit_package: 'http', interfaces: ['incoming-handler'], source_config: ['chaos-web'] },
        { source_id: 'chaos-caller', target: 'chaos-bomb', wit_namespace: 'lattice', wit_package: 'fixtures', interfaces: ['probe'] },
      ],
      configs: { 'chaos-web': { address: `127.0.0.1:${port}` }, 'chaos-settings': { mode: 'chaos', retries: '3' } },
      secrets: { 'chaos-token': 'a token nobody may lose' },
    };
    await seed(lattice.nc, LATTICE, state);
    await lattice.ctl.startProvider(
      ingress.id,
      { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0', mode: 'process' },
      { timeoutMs: 30_000 },
    );
    await lattice.ctl.scaleComponent(ingress.id, { component_id: 'chaos-bomb', image_ref: bomb, count: 1, annotations: { 'lattice.dev/memory-mib': '16' } });
    url = `http://127.0.0.1:${port}/`;
    await waitFor('the app to serve', serving, { timeoutMs: 30_000 });
    load = HttpLoad.start({ url, connections: 8 });
    await load.successes(100);
  });

  after(async () => {
    await load?.stop();
    await lattice?.stop();
  });

  it('random edge hosts SIGKILLed every few seconds (a replacement joins after each): no request fails', async (t) => {
    for (let round = 1; round <= 3; round++) {
      const victim = edge.splice(Math.floor(Math.random() * edge.length), 1)[0]!;
      const killedAt = Date.now();
      victim.kill('SIGKILL');
      edge.push(await lattice.hostProcess(`edge-r${round}`, { zone: 'edge' }));
      await new Promise((r) => setTimeout(r, 3_000));
      await load.successes(50);
      const during = load.since(killedAt);
      report(t, `host kill ${round}`, describeLoad(during));
      assert.equal(during.failures.length, 0, describeLoad(during));
    }
    await lattice.waitForState(APP, 'deployed', 30_000);
    await noneLost('host kills', t);
  });

  it('the http-server provider process SIGKILLed: the host restarts it and it serves again', async (t) => {
    const pid = ingress.plugins.providers?.pidOf('http');
    assert.ok(pid, 'the provider runs in its own process');
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor('a restarted provider process', () => (ingress.plugins.providers?.pidOf('http') ?? pid) !== pid, { timeoutMs: 30_000 });
    await waitFor('the app to serve again', serving, { timeoutMs: 30_000, intervalMs: 50 });
    const servingAfterMs = Date.now() - killedAt;
    await load.successes(50);
    report(t, 'provider kill', `serving again ${servingAfterMs} ms after the kill; ${describeLoad(load.since(killedAt))}`);
    await noneLost('provider kill', t);
  });

  it('a component filling its memory cap traps alone: no request of the app fails', async (t) => {
    const from = Date.now();
    for (let i = 0; i < 3; i++) {
      const result = await invoke(lattice.nc, LATTICE, {
        target: 'chaos-bomb',
        interface: 'lattice:fixtures/probe',
        function: 'run',
        args: [],
        source: 'chaos',
      }).catch((e: unknown) => e);
      assert.ok(result instanceof Error, `the bomb traps: ${String(result)}`);
      assert.match(result.message, /trap/);
    }
    await load.successes(50);
    const during = load.since(from);
    report(t, 'memory cap', `3 traps; app load meanwhile: ${describeLoad(during)}`);
    assert.equal(during.failures.length, 0, describeLoad(during));
    await noneLost('memory cap', t);
  });

  it('the nats-server restarts: serving again within 5 s of NATS being back, nothing lost', async (t) => {
    const stoppedAt = Date.now();
    await lattice.server.restart({ downMs: 2_000 });
    const upAt = Date.now();
    await waitFor('the app to serve again', serving, { timeoutMs: 30_000, intervalMs: 50 });
    const servingAgainMs = Date.now() - upAt;
    await load.successes(50, 60_000);
    report(t, 'NATS restart', `down ${upAt - stoppedAt} ms; serving again ${servingAgainMs} ms after NATS was back; ${describeLoad(load.since(stoppedAt))}`);
    assert.ok(servingAgainMs < 5_000, `serving again ${servingAgainMs} ms after NATS was back`);
    await noneLost('NATS restart', t);
  });
});
