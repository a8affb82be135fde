/**
 * Worker ingress: the runtime's workers accept the http-server's connections and run routed
 * components themselves (runtime/ingress/). What has to hold: requests for components of
 * this host are served there (they never pass the link router), everything else is relayed to
 * the provider's own listener and behaves as before, a guest past its deadline still gets its
 * client a 504 and costs nothing more than its own request, and what the workers serve is
 * counted in the host's metrics.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ControlClient } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { e2eFixture, httpLink } from './fixtures.js';

function get(port: number, path: string, method = 'GET', body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One sample of a metric from the Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('worker ingress', { timeout: 180_000 }, () => {
  let t: TestLattice;
  let ctl: ControlClient;
  let host: Host;
  let port: number;
  const metrics = async (): Promise<string> => (await fetch(`http://${host.metricsAddress}/metrics`)).text();

  before(async () => {
    t = await startTestLattice({ perHost: () => ({ runtime: { poolSize: 2 }, metricsAddress: '127.0.0.1:0' }) });
    ({ ctl } = t);
    host = t.hosts[0]!;
    port = await freePort();
    await ctl.putConfig('http-provider', { address: `127.0.0.1:${port}`, timeout_ms: '1000' });
    await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server', config: ['http-provider'] });
    await ctl.scaleComponent(host.id, { component_id: 'hello', image_ref: await fixture('http-hello'), count: 4 });
    await ctl.scaleComponent(host.id, { component_id: 'echo', image_ref: await e2eFixture('http-echo'), count: 4 });
    await ctl.scaleComponent(host.id, { component_id: 'spin', image_ref: await e2eFixture('http-loop'), count: 1 });
    await ctl.scaleComponent(host.id, { component_id: 'crash', image_ref: await e2eFixture('http-trap'), count: 1 });
    for (const [id, path] of [
      ['hello', '/hello'],
      ['echo', '/echo'],
      ['spin', '/spin'],
      ['crash', '/crash'],
    ] as const) {
      await ctl.putConfig(`${id}-route`, { path });
      await ctl.putLink(httpLink(id, `${id}-route`));
    }
    await waitFor('the routes', async () => (await get(port, '/hello').catch(() => null))?.status === 200);
  });

  after(() => t?.dispose());

  it('serves a component of this host in the worker that accepted the request, and counts it for the component and the link', async () => {
    const before = await metrics();
    for (let i = 0; i < 20; i++) assert.match((await get(port, `/hello/${i}`)).body, /hello from a wat component/);
    // Counted from the workers' reports, about once a second.
    const text = await waitFor(
      'the workers to report',
      async () => {
        const now = await metrics();
        return sample(now, 'lattice_component_invocations_total', 'component="hello"') -
          sample(before, 'lattice_component_invocations_total', 'component="hello"') >=
          20
          ? now
          : null;
      },
      { timeoutMs: 10_000 },
    );
    const delta = (name: string, labels: string) => sample(text, name, labels) - sample(before, name, labels);
    const calls = delta('lattice_component_invocations_total', 'component="hello"');
    assert.equal(delta('lattice_worker_ingress_requests_total', 'component="hello"'), calls, 'every request was served by the worker that accepted it');
    assert.equal(delta('lattice_link_invocations_total', 'target="hello"'), calls, 'the link counts what the workers served');
  });

  it('relays what it does not serve itself: a streamed upload reaches the component through the provider', async () => {
    const big = Buffer.alloc(256 * 1024, 7);
    const small = Buffer.from('small body, read whole in the worker');
    assert.equal((await get(port, '/echo', 'POST', small)).body, small.toString());
    const echoed = await get(port, '/echo', 'POST', big);
    assert.equal(echoed.status, 200);
    assert.equal(echoed.body.length, big.length);
    assert.equal((await get(port, '/nowhere')).status, 404, 'no route: the provider answers, as before');
  });

  it('answers 502 for a trap and keeps serving', async () => {
    assert.equal((await get(port, '/crash')).status, 502);
    assert.equal((await get(port, '/hello')).status, 200);
  });

  it('answers 504 for a guest past its deadline, then relays that component; the others keep being served', async () => {
    assert.equal((await get(port, '/spin')).status, 504);
    // The worker that ran it was replaced; the listener is back (taken over or shared).
    await waitFor('serving again', async () => (await get(port, '/hello').catch(() => null))?.status === 200);
    assert.equal((await get(port, '/spin')).status, 504, 'the second runaway is the pool’s, with its own 504');
    for (let i = 0; i < 5; i++) assert.equal((await get(port, '/hello')).status, 200);
  });
});
