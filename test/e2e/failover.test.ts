/**
 * A component runs on two `lattice host` processes; the http-server provider on a third host
 * forwards HTTP load to it over NATS. One of the two hosts is SIGKILLed, or stopped with
 * SIGTERM, under load: no request may fail, since the other instance can serve every one.
 * Figures (requests, failures, slowest answer) are logged, never asserted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Host } from '../../host/mod.js';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import { describeLoad, HttpLoad, type LoadReport } from '../kit/http-load.js';
import { spawnHostProcess, startTestHost, stopHosts, type HostProcess } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { connect, type NatsConnection } from 'nats';
import { e2eFixture } from './fixtures.js';

/** Concurrent HTTP requests: each takes the component 200 ms, so ~10 are in flight per host. */
const CONNECTIONS = 20;
const COMPONENT = 'slow';

function log(t: TestContext, line: string): void {
  t.diagnostic(line);
  process.stderr.write(`# failover: ${line}\n`);
}

describe('HTTP load while a host of one of two instances goes away', { timeout: 240_000 }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let ctl: ControlClient;
  let ingress: Host;
  let image: string;
  let url: string;
  const processes: HostProcess[] = [];

  /** A `lattice host` process running the component (20 slots: enough for the whole load). */
  async function worker(name: string): Promise<HostProcess> {
    const proc = await spawnHostProcess(server.url, { name, stopTimeoutMs: 15_000 });
    processes.push(proc);
    await ctl.scaleComponent(proc.hostId, { component_id: COMPONENT, image_ref: image, count: 20 }, { timeoutMs: 60_000 });
    return proc;
  }

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    ctl = createControlClient(nc, 'default');
    [ingress, image] = await Promise.all([startTestHost(server.url, { name: 'ingress', runtime: false }), e2eFixture('http-slow')]);
    await ctl.startProvider(ingress.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server' });
    const port = await freePort();
    await ctl.putConfig('failover-listen', { address: `127.0.0.1:${port}` });
    await ctl.putLink({ source_id: 'http', target: COMPONENT, wit_namespace: 'wasi', wit_package: 'http', interfaces: ['incoming-handler'], source_config: ['failover-listen'] });
    url = `http://127.0.0.1:${port}/`;
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.dispose()));
    await stopHosts([ingress].filter(Boolean));
    await nc?.close();
    await server?.dispose();
  });

  /** Runs the load, does `event` once both instances have served, and reports what followed it. */
  async function underLoad(t: TestContext, what: string, event: () => Promise<void>): Promise<LoadReport> {
    await waitFor('the component to serve', async () => (await fetch(url).catch(() => null))?.status === 200, { timeoutMs: 30_000 });
    const load = HttpLoad.start({ url, connections: CONNECTIONS });
    await load.successes(200);
    const at = Date.now();
    await event();
    // Long enough for the lost host's calls to be noticed (3 missed beats) and answered again.
    await load.successes(200);
    await new Promise((r) => setTimeout(r, 4_000));
    await load.successes(50);
    const total = await load.stop();
    log(t, `${what}: whole run ${describeLoad(total)}`);
    const report = load.since(at);
    log(t, `${what}: sent from the event on: ${describeLoad(report)}`);
    return total;
  }

  it('a SIGKILLed host fails no request: calls it held are answered by the other instance', async (t) => {
    const [a] = await Promise.all([worker('worker-a'), worker('worker-b')]);
    const report = await underLoad(t, 'SIGKILL of 1 of 2 hosts', async () => {
      a!.kill('SIGKILL');
      await a!.waitForExit();
    });
    assert.equal(report.clientTimeouts, 0, describeLoad(report));
    assert.deepEqual(report.failures, [], describeLoad(report));
  });

  it('a host stopped with SIGTERM drains: no request fails', async (t) => {
    const c = await worker('worker-c');
    const survivors = processes.filter((p) => p.running);
    assert.equal(survivors.length, 2);
    const report = await underLoad(t, 'SIGTERM of 1 of 2 hosts', async () => {
      c.kill('SIGTERM');
      const exit = await c.waitForExit(30_000);
      assert.equal(exit.code, 0, c.stderr());
    });
    assert.deepEqual(report.failures, [], describeLoad(report));
  });
});
