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

/** Concurrent GET requests: each takes the component 200 ms, so ~8 are in flight per host. */
const CONNECTIONS = 16;
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
    await ctl.putLink({
      source_id: 'http',
      target: COMPONENT,
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: ['failover-listen'],
    });
    url = `http://127.0.0.1:${port}/`;
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.dispose()));
    await stopHosts([ingress].filter(Boolean));
    await nc?.close();
    await server?.dispose();
  });

  /**
   * Runs GET load (and POST load with a body, when asked), does `event` once both instances have
   * served, and reports what followed it.
   */
  async function underLoad(t: TestContext, what: string, event: () => Promise<void>, posts = 0): Promise<{ gets: LoadReport; posts: LoadReport | null }> {
    await waitFor('the component to serve', async () => (await fetch(url).catch(() => null))?.status === 200, { timeoutMs: 30_000 });
    const load = HttpLoad.start({ url, connections: CONNECTIONS });
    const postLoad = posts > 0 ? HttpLoad.start({ url, connections: posts, method: 'POST', body: new TextEncoder().encode('order=42') }) : null;
    await load.successes(100);
    const at = Date.now();
    await event();
    // Long enough for the lost host's calls to be noticed (3 missed beats) and answered again.
    await load.successes(100);
    await new Promise((r) => setTimeout(r, 4_000));
    await load.successes(50);
    const [gets, postReport] = await Promise.all([load.stop(), postLoad?.stop() ?? null]);
    log(t, `${what}: GET, whole run: ${describeLoad(gets)}`);
    log(t, `${what}: GET, sent from the event on: ${describeLoad(load.since(at))}`);
    if (postReport) log(t, `${what}: POST with a body, whole run: ${describeLoad(postReport)}`);
    return { gets, posts: postReport };
  }

  it('a SIGKILLed host fails no safe request: calls it held are answered by the other instance', async (t) => {
    const [a] = await Promise.all([worker('worker-a'), worker('worker-b')]);
    const { gets, posts } = await underLoad(
      t,
      'SIGKILL of 1 of 2 hosts',
      async () => {
        a!.kill('SIGKILL');
        await a!.waitForExit();
      },
      4,
    );
    assert.equal(gets.clientTimeouts, 0, describeLoad(gets));
    assert.deepEqual(gets.failures, [], describeLoad(gets));
    // A POST that had started on the lost host is not sent again: it gets a 502 that says so,
    // once the loss is known, and never waits for its deadline.
    assert.equal(posts!.clientTimeouts, 0, describeLoad(posts!));
    for (const f of posts!.failures) {
      assert.equal(f.status, 502, `${f.status} ${f.detail}`);
      assert.match(f.detail, /went away during the request; (a POST that had started is not sent again|the request body was already read)/);
    }
  });

  it('a host stopped with SIGTERM drains: no request fails', async (t) => {
    const c = await worker('worker-c');
    const survivors = processes.filter((p) => p.running);
    assert.equal(survivors.length, 2);
    const { gets, posts } = await underLoad(
      t,
      'SIGTERM of 1 of 2 hosts',
      async () => {
        c.kill('SIGTERM');
        const exit = await c.waitForExit(30_000);
        assert.equal(exit.code, 0, c.stderr());
      },
      4,
    );
    assert.deepEqual(gets.failures, [], describeLoad(gets));
    assert.deepEqual(posts!.failures, [], `a drain loses nothing, whatever the method: ${describeLoad(posts!)}`);
  });
});
