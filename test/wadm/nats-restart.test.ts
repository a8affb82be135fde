/**
 * The nats-server restarts under HTTP load: down 3 s, then down 8 s (longer than 3 missed
 * heartbeats and than the wadm lease's TTL). An app runs a component on two edge hosts
 * (`lattice host` processes) and one on the ingress host, next to the http-server provider.
 * While NATS is down, requests for the remote component fail at once with 503 (none waits for
 * its deadline) and the local one keeps serving; wadm, on its own connection, declares no host
 * lost, sends no command, keeps its lease, and its API answers as soon as it is connected again.
 * Figures are logged, never asserted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { NatsConnection } from 'nats';
import { Connectivity } from '../../lib/connectivity.js';
import type { Wadm } from '../../wadm/mod.js';
import { describeLoad, HttpLoad } from '../kit/http-load.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { capturingLogger, fixture, type LogRecord } from '../runtime/helpers.js';
import { component, manifest, WadmLattice } from './lattice.js';

function httpLink(name: string, target: string, address: string): Record<string, unknown> {
  return {
    type: 'link',
    properties: {
      name,
      target: { name: target },
      namespace: 'wasi',
      package: 'http',
      interfaces: ['incoming-handler'],
      source: { config: [{ name: `${name}-listen`, properties: { address } }] },
    },
  };
}

describe('NATS restarts under load', { timeout: 240_000 }, () => {
  let lattice: WadmLattice;
  let wadm: Wadm;
  let wadmNc: NatsConnection;
  /** What wadm logged (debug and up). */
  let wadmLog: LogRecord[];
  let remoteUrl: string;
  let localUrl: string;
  let placement: Array<[string, number]>;

  before(async () => {
    const image = await fixture('http-hello');
    lattice = await WadmLattice.start();
    await lattice.host('ingress', { zone: 'cloud' });
    await Promise.all([lattice.hostProcess('edge-a', { zone: 'edge' }), lattice.hostProcess('edge-b', { zone: 'edge' })]);
    const { logger, records } = capturingLogger();
    wadmLog = records;
    ({ wadm, nc: wadmNc } = await lattice.wadm({ logger }));

    const [remotePort, localPort] = await Promise.all([freePort(), freePort()]);
    const app = manifest('restart-app', 'v1', [
      component('remote', image, { type: 'spreadscaler', properties: { instances: 2, spread: [{ name: 'edge', requirements: { zone: 'edge' } }] } }),
      component('local', image, { type: 'spreadscaler', properties: { instances: 1, spread: [{ name: 'cloud', requirements: { zone: 'cloud' } }] } }),
      {
        name: 'http',
        type: 'capability',
        properties: { image: 'wasmcloud+builtin://http-server' },
        traits: [
          { type: 'spreadscaler', properties: { instances: 1, spread: [{ name: 'cloud', requirements: { zone: 'cloud' } }] } },
          httpLink('remote', 'remote', `127.0.0.1:${remotePort}`),
          httpLink('local', 'local', `127.0.0.1:${localPort}`),
        ],
      },
    ]);
    assert.ok((await lattice.client.put(app)).accepted);
    await lattice.client.deploy('restart-app');
    await lattice.waitForState('restart-app', 'deployed', 60_000);
    remoteUrl = `http://127.0.0.1:${remotePort}/`;
    localUrl = `http://127.0.0.1:${localPort}/`;
    for (const url of [remoteUrl, localUrl]) {
      await waitFor(`${url} to serve`, async () => (await fetch(url).catch(() => null))?.status === 200, { timeoutMs: 30_000 });
    }
    placement = [...(await lattice.placement('restart_app-remote')).entries()].sort();
    assert.equal(placement.length, 2, 'one instance on each edge host');
  });
  after(async () => lattice?.stop());

  async function outage(t: TestContext, downMs: number): Promise<void> {
    const sentBefore = wadm.stats.commandsSent;
    assert.equal(wadm.leader, true);
    const remote = HttpLoad.start({ url: remoteUrl, connections: 8 });
    const local = HttpLoad.start({ url: localUrl, connections: 4 });
    await Promise.all([remote.successes(100), local.successes(50)]);
    const logFrom = wadmLog.length;

    const stoppedAt = Date.now();
    await lattice.server.restart({ downMs });
    const upAt = Date.now();
    // wadm's API answers as soon as wadm and this client are connected again.
    await waitFor('wadm and the test client to reconnect', () => Connectivity.of(wadmNc).connected && Connectivity.of(lattice.nc).connected, {
      timeoutMs: 20_000,
    });
    // nats.js reports a reconnect once the server answered its CONNECT, and writes the
    // subscriptions again right after: a round trip on wadm's connection is when the server has
    // them (without it, the request below once raced them and met no responders).
    await wadmNc.flush();
    assert.deepEqual(
      (await lattice.client.list()).map((a) => a.name),
      ['restart-app'],
    );

    await remote.successes(50, 60_000);
    const servingAgainMs = Date.now() - upAt;
    // Long enough for wrong verdicts to show: 3 missed heartbeats and reconcile ticks.
    await new Promise((r) => setTimeout(r, 6_000));
    const [remoteAll, localAll] = await Promise.all([remote.stop(), local.stop()]);
    const line = (what: string) => {
      t.diagnostic(what);
      process.stderr.write(`# nats-restart: ${what}\n`);
    };
    line(`NATS down ${upAt - stoppedAt} ms; remote serving again ${servingAgainMs} ms after NATS was back`);
    line(`remote, from the stop on: ${describeLoad(remote.since(stoppedAt))}`);
    line(`local, from the stop on: ${describeLoad(local.since(stoppedAt))}`);

    assert.deepEqual(localAll.failures, [], `local calls keep working: ${describeLoad(localAll)}`);
    assert.equal(remoteAll.clientTimeouts, 0, describeLoad(remoteAll));
    for (const f of remoteAll.failures) assert.equal(f.status, 503, `${f.status} ${f.detail}`);
    assert.ok(
      remoteAll.failures.some((f) => /lattice unavailable/.test(f.detail)),
      describeLoad(remoteAll),
    );

    const records = wadmLog.slice(logFrom);
    const complaints = records.filter((r) => r.level >= 40).map((r) => `${r.msg} ${JSON.stringify(r.err ?? r.hosts ?? '')}`);
    line(`wadm: ${wadm.stats.commandsSent - sentBefore} commands sent, leader ${wadm.leader}, warnings: ${JSON.stringify(complaints)}`);
    assert.equal(wadm.stats.commandsSent, sentBefore, 'wadm sent no command');
    assert.equal(wadm.leader, true);
    assert.deepEqual(complaints, []);
    assert.ok(!records.some((r) => /standing by|lost the wadm leader lease/.test(r.msg)), 'the lease was kept throughout');
    assert.deepEqual([...(await lattice.placement('restart_app-remote')).entries()].sort(), placement);
    await lattice.waitForState('restart-app', 'deployed', 15_000);
  }

  it('down 3 s: remote requests fail at once with 503, local ones are served, wadm neither acts nor errs', (t) => outage(t, 3_000));

  it('down 8 s (past 3 heartbeats and the lease TTL): the same, and wadm keeps its lease', (t) => outage(t, 8_000));
});
