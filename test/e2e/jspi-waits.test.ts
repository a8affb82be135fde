/**
 * JSPI and the waits the workers serve themselves (runtime/glue/jspi-plan.ts): on Node 24+ a
 * guest sleeping on a wasi:clocks pollable, waiting for the response to its outgoing HTTP
 * request or reading that response's body, is suspended, and its worker accepts and serves other
 * requests meanwhile. With a
 * single worker that shows: a blocked worker accepts no connection until its wait ends, so the
 * other request would be answered after the waiting one, not before.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildWat, FIXTURES_SRC } from '../../components/tools/wat.js';
import { jspiAvailable } from '../../runtime/jspi.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { getText as get, httpLink } from './fixtures.js';

/** Starts `get` and tells whether it has settled yet. */
function watched(port: number, path: string): { answer: Promise<{ status: number; body: string }>; settled(): boolean } {
  let done = false;
  const answer = get(port, path).finally(() => {
    done = true;
  });
  return { answer, settled: () => done };
}

const skip = !jspiAvailable() && `JSPI needs Node 24 or newer (this is Node ${process.versions.node}); npm run test:node24 runs this file`;

describe('JSPI: sleeps and outgoing HTTP waits leave the worker free', { skip, timeout: 120_000 }, () => {
  let t: TestLattice;
  let port: number;
  let upstream: ReturnType<typeof createServer>;
  /** Upstream requests held until the test releases them. */
  const held: ServerResponse[] = [];

  before(async () => {
    upstream = createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const authority = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    // The proxy fixture with the upstream's address written in.
    const src = await readFile(fileURLToPath(new URL('../../../test/e2e/fixtures/http-proxy.wat', import.meta.url)), 'utf8');
    const wat = src.replace('"AUTHORITY"', JSON.stringify(authority)).replaceAll('AUTHORITY_LEN', String(authority.length));
    // One worker: whatever answers while a request waits, that worker answered it.
    t = await startTestLattice({ perHost: () => ({ runtime: { poolSize: 1, maxPoolSize: 1 } }) });
    const proxyPath = join(t.dataDir, 'http-proxy.wasm');
    await writeFile(proxyPath, await buildWat(wat, { witDir: join(FIXTURES_SRC, 'wit'), name: 'http-proxy' }));
    const host = t.hosts[0]!;
    const { ctl } = t;
    port = await freePort();
    await ctl.putConfig('http-provider', { address: `127.0.0.1:${port}`, timeout_ms: '5000' });
    await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server', config: ['http-provider'] });
    // Answered at the head: the body streams to the guest as the upstream sends it.
    await ctl.putConfig('http-client', { allowed_hosts: '127.0.0.1:*', response_buffer_bytes: '0' });
    await ctl.startProvider(host.id, { provider_id: 'httpc', provider_ref: 'wasmcloud+builtin://http-client', config: ['http-client'] });
    await ctl.scaleComponent(host.id, { component_id: 'sleeper', image_ref: await fixture('http-sleep'), count: 4 });
    await ctl.scaleComponent(host.id, { component_id: 'proxy', image_ref: pathToFileURL(proxyPath).href, count: 4 });
    await ctl.scaleComponent(host.id, { component_id: 'hello', image_ref: await fixture('http-hello'), count: 4 });
    await ctl.putLink({ source_id: 'proxy', target: 'httpc', wit_namespace: 'wasi', wit_package: 'http', interfaces: ['outgoing-handler'] });
    for (const id of ['sleeper', 'proxy', 'hello']) {
      await ctl.putConfig(`${id}-route`, { path: `/${id}` });
      await ctl.putLink(httpLink(id, `${id}-route`));
    }
    await waitFor('the routes', async () => (await get(port, '/hello').catch(() => null))?.status === 200);
  });

  after(async () => {
    for (const res of held.splice(0)) res.end();
    upstream?.closeAllConnections();
    upstream?.close();
    await t?.dispose();
  });

  it('answers another request while a guest sleeps', async () => {
    const sleeping = watched(port, '/sleeper');
    // Setup, not a measure: time for the request to reach the guest's one-second sleep.
    await sleep(200);
    const hello = await get(port, '/hello');
    assert.match(hello.body, /hello from a wat component/);
    assert.equal(sleeping.settled(), false, 'the sleeper was still asleep when hello was answered');
    assert.deepEqual(await sleeping.answer, { status: 200, body: 'slept\n' });
  });

  it('answers another request while a guest waits for its outgoing request, and for its body', async () => {
    const proxied = watched(port, '/proxy');
    await waitFor('the upstream request', async () => held.length === 1);
    const hello = await get(port, '/hello');
    assert.match(hello.body, /hello from a wat component/);
    assert.equal(proxied.settled(), false, 'the proxy was still waiting on its upstream when hello was answered');
    const upstreamResponse = held.shift()!;
    upstreamResponse.writeHead(202);
    upstreamResponse.write('first part, ');
    // Setup, not a measure: time for the guest to read the first part and block on the rest.
    await sleep(200);
    const again = await get(port, '/hello');
    assert.match(again.body, /hello from a wat component/);
    assert.equal(proxied.settled(), false, 'the proxy was still reading its upstream body when hello was answered');
    upstreamResponse.end('then the rest');
    assert.deepEqual(await proxied.answer, { status: 200, body: 'proxied 202\nfirst part, then the rest' });
  });
});
