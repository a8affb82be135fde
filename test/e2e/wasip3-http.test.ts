/**
 * WASIp3 HTTP (runtime/wasip3.ts): components exporting `wasi:http/handler@0.3.0`, built in the
 * repo from WAT (components/fixtures/http-hello-p3.wat; fixtures/http-echo-p3.wat, which copies
 * the request's body stream to the response's), answer HTTP through the http-server provider on
 * Node 24 and newer: served in the worker that accepted the connection when they run on the
 * provider's host, and across the lattice (the main thread hands the request to a worker, the
 * request body streams in through the bridge and the answer streams back) when they run on
 * another. On Node 20 they are refused at scale time, naming the Node version they need.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { jspiAvailable } from '../../runtime/jspi.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { e2eFixture, httpLink } from './fixtures.js';

interface Answer {
  status: number;
  type: string | undefined;
  body: string;
}

function send(port: number, path: string, body?: Buffer): Promise<Answer & { bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: bytes.toString(), bytes });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function get(port: number, path: string): Promise<Answer> {
  const { bytes: _bytes, ...answer } = await send(port, path);
  return answer;
}

describe('a WASIp3 HTTP handler', { timeout: 180_000 }, () => {
  let t: TestLattice;
  let port: number;

  before(async () => {
    t = await startTestLattice({ hosts: 2, perHost: () => ({ runtime: { poolSize: 2 } }) });
    port = await freePort();
  });
  after(() => t?.dispose());

  it('is refused at scale time on Node 20, naming the Node version it needs', { skip: jspiAvailable() && 'this Node has JSPI' }, async () => {
    const [host] = t.hosts;
    await assert.rejects(t.ctl.scaleComponent(host!.id, { component_id: 'p3', image_ref: await fixture('http-hello-p3'), count: 1 }), (error: Error) => {
      assert.match(
        error.message,
        /WASIp3 component \(wasi:http\/types@0\.3\.0, wasi:http\/handler@0\.3\.0\) needs Node 24 or newer \(JSPI\); this host runs Node 20\./,
      );
      return true;
    });
  });

  it('answers through the http-server on its own host and across the lattice', {
    skip: !jspiAvailable() && 'WASIp3 needs JSPI (Node 24 or newer); npm run test:node24 runs this file',
  }, async () => {
    const [ingress, remote] = t.hosts;
    const { ctl } = t;
    const image = await fixture('http-hello-p3');
    await ctl.putConfig('http-provider', { address: `127.0.0.1:${port}` });
    await ctl.startProvider(ingress!.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server', config: ['http-provider'] });
    await ctl.scaleComponent(ingress!.id, { component_id: 'local', image_ref: image, count: 4 });
    await ctl.scaleComponent(remote!.id, { component_id: 'remote', image_ref: image, count: 4 });
    for (const id of ['local', 'remote']) await ctl.putConfig(`${id}-route`, { path: `/${id}` });
    await ctl.putLink(httpLink('local', 'local-route'));
    // A link may name the WASI 0.3 interface, `handler`, as well.
    await ctl.putLink({ ...httpLink('remote', 'remote-route'), interfaces: ['handler'] });
    await waitFor('the routes', async () => (await get(port, '/remote').catch(() => null))?.status === 200);
    for (const id of ['local', 'remote']) {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => get(port, `/${id}/${i}?q=${i}`)));
      answers.forEach((answer, i) => {
        assert.deepEqual(answer, { status: 200, type: 'text/plain', body: `Hello from a WASIp3 component at /${id}/${i}?q=${i}\n` });
      });
    }
  });

  it('reads the request body as it streams in and streams its answer back, on its own host and across the lattice', {
    skip: !jspiAvailable() && 'WASIp3 needs JSPI (Node 24 or newer); npm run test:node24 runs this file',
  }, async () => {
    const [ingress, remote] = t.hosts;
    const { ctl } = t;
    const image = await e2eFixture('http-echo-p3');
    await ctl.scaleComponent(ingress!.id, { component_id: 'echo-local', image_ref: image, count: 4 });
    await ctl.scaleComponent(remote!.id, { component_id: 'echo-remote', image_ref: image, count: 4 });
    for (const id of ['echo-local', 'echo-remote']) {
      await ctl.putConfig(`${id}-route`, { path: `/${id}` });
      await ctl.putLink(httpLink(id, `${id}-route`));
    }
    await waitFor('the routes', async () => (await get(port, '/echo-remote').catch(() => null))?.status === 200);
    const small = Buffer.from('a small body, whole in one message');
    // Larger than one 64 KiB read or write on either side, and than what the host sends whole.
    const big = Buffer.alloc(300 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    for (const id of ['echo-local', 'echo-remote']) {
      assert.equal((await get(port, `/${id}`)).body, '', `${id}: no body, an empty answer`);
      assert.equal((await send(port, `/${id}`, small)).body, small.toString(), id);
      const echoed = await send(port, `/${id}`, big);
      assert.equal(echoed.status, 200, id);
      assert.ok(echoed.bytes.equals(big), `${id}: ${echoed.bytes.length} bytes came back of ${big.length}`);
    }
  });
});
