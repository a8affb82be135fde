import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'node:http';
import type { ControlClient } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';
import { e2eFixture, httpLink } from './fixtures.js';

interface Reply {
  status: number;
  body: string;
}

/** A request with an explicit Host header (fetch does not allow setting it). */
function send(port: number, path: string, opts: { host?: string; method?: string; body?: Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.host ? { host: opts.host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('http-server provider', () => {
  let t: TestLattice;
  let ctl: ControlClient;
  let host: Host;
  let shared: number;

  before(async () => {
    t = await startTestLattice({ perHost: () => ({ runtime: { poolSize: 2 } }) });
    ({ ctl } = t);
    host = t.hosts[0]!;
    shared = await freePort();
    await ctl.putConfig('http-provider', { address: `127.0.0.1:${shared}`, timeout_ms: '1000' });
    await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server', config: ['http-provider'] });
    const hello = await fixture('http-hello');
    for (const id of ['api', 'web', 'tenant']) await ctl.scaleComponent(host.id, { component_id: id, image_ref: hello, count: 2 });
    await ctl.scaleComponent(host.id, { component_id: 'spin', image_ref: await e2eFixture('http-loop'), count: 1 });
    await ctl.scaleComponent(host.id, { component_id: 'crash', image_ref: await e2eFixture('http-trap'), count: 1 });
  });

  after(() => t?.dispose());

  it('routes many components on one shared port by path prefix and Host header', async () => {
    await ctl.putConfig('route-api', { path: '/api', strip_prefix: 'true' });
    await ctl.putConfig('route-web', { path: '/' });
    await ctl.putConfig('route-tenant', { host: 'tenant.example.com' });
    await ctl.putLink(httpLink('api', 'route-api'));
    await ctl.putLink(httpLink('web', 'route-web'));
    await ctl.putLink(httpLink('tenant', 'route-tenant'));
    // api strips its prefix, web sees the full path: the path in the answer tells who served it.
    await waitFor('routes', async () => (await send(shared, '/api/items?x=1')).body.includes(': /items?x=1'));
    assert.match((await send(shared, '/apix')).body, /: \/apix/); // whole segments only: web serves it
    assert.match((await send(shared, '/other')).body, /: \/other/);
    const tenant = await send(shared, '/api/items', { host: 'tenant.example.com' });
    assert.match(tenant.body, /: \/api\/items/); // the Host route wins over the path route
  });

  it('answers 413 beyond the body limit, 504 past the timeout, 502 when the component traps', async () => {
    await ctl.putConfig('route-upload', { path: '/upload', max_body_bytes: '1024' });
    await ctl.putConfig('route-spin', { path: '/spin' });
    await ctl.putConfig('route-crash', { path: '/crash' });
    await ctl.putLink({ ...httpLink('web', 'route-upload'), name: 'upload' });
    await ctl.putLink(httpLink('spin', 'route-spin'));
    await ctl.putLink(httpLink('crash', 'route-crash'));
    await waitFor('upload route', async () => (await send(shared, '/upload', { method: 'POST', body: Buffer.alloc(10) })).status === 200);
    assert.equal((await send(shared, '/upload', { method: 'POST', body: Buffer.alloc(4096) })).status, 413);
    await waitFor('spin route', async () => (await send(shared, '/spin')).status === 504);
    await waitFor('crash route', async () => (await send(shared, '/crash')).status === 502);
    // The host keeps serving the others.
    assert.equal((await send(shared, '/fine')).status, 200);
  });

  it('answers 503 for a component that is not running and 404 where nothing is routed', async () => {
    await ctl.putConfig('route-ghost', { path: '/ghost' });
    await ctl.putLink(httpLink('ghost', 'route-ghost'));
    await waitFor('ghost route', async () => (await send(shared, '/ghost')).status === 503);
    await ctl.deleteLink({ source_id: 'http', wit_namespace: 'wasi', wit_package: 'http', name: 'web' });
    await waitFor('web route removed', async () => (await send(shared, '/nothing-here')).status === 404);
  });

  it('refuses a second link asking for the same address, or a route already taken, at link put', async () => {
    const own = await freePort();
    await ctl.putConfig('own-a', { address: `127.0.0.1:${own}` });
    await ctl.putLink(httpLink('api', 'own-a'));
    await waitFor('the dedicated listener', async () => (await send(own, '/x').catch(() => null))?.status === 200);
    await assert.rejects(ctl.putLink({ ...httpLink('tenant', 'own-a') }), /already used by the link to api/);
    await ctl.putConfig('route-spin-again', { path: '/spin' });
    await assert.rejects(ctl.putLink({ ...httpLink('tenant', 'route-spin-again'), name: 'again' }), /\/spin is already served by spin/);
    // The refused links were not stored.
    const links = await ctl.getLinks();
    assert.equal(links.filter((l) => l.target === 'tenant').length, 1);
  });
});
