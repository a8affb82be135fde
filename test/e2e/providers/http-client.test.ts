/**
 * wasi:http/outgoing-handler from a WAT component through a real host and the http-client
 * provider, to a real HTTP server on loopback: allowed requests are served; the deny-by-default
 * allow-list, the response size limit and the timeout answer the guest an error-code (the
 * fixture returns 1100 + the error-code case index).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Lattice, watFixture } from '../../providers/helpers.js';

/** Case indices of wasi:http/types.error-code. */
const HTTP_REQUEST_DENIED = 15;
const HTTP_RESPONSE_BODY_SIZE = 28;
const HTTP_RESPONSE_TIMEOUT = 33;
const CONNECTION_REFUSED = 6;

describe('http-client provider end to end', { timeout: 180_000 }, () => {
  let lattice: Lattice;
  let server: Server;
  let authority: string;
  const seen: string[] = [];

  before(async () => {
    lattice = await Lattice.start();
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} host=${req.headers.host}`);
      if (req.url === '/ok') res.writeHead(201, { 'content-type': 'text/plain' }).end('created');
      else if (req.url === '/big') res.writeHead(200).end(Buffer.alloc(64 * 1024, 1));
      else if (req.url === '/slow')
        return; // never answers
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    authority = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    server?.close();
    await lattice?.stop();
  });

  async function client(id: string, path: string, config: Record<string, string> | null, authorityOverride?: string): Promise<void> {
    const host = lattice.hosts[0] ?? (await lattice.host());
    const image = await watFixture('http-get', join(lattice.dataDir, 'wasm'), { AUTHORITY: authorityOverride ?? authority, PATH: path });
    await lattice.ctl.scaleComponent(host.id, { component_id: id, image_ref: image, count: 1 }, { timeoutMs: 60_000 });
    if (config) await lattice.ctl.putConfig(`${id}-http-client`, config);
    await lattice.link({
      source_id: id,
      target: 'httpc',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['outgoing-handler'],
      target_config: config ? [`${id}-http-client`] : [],
    });
  }

  it('sends an allowed request and hands the response to the guest', async () => {
    const host = await lattice.host();
    await lattice.ctl.startProvider(host.id, { provider_id: 'httpc', provider_ref: 'ghcr.io/wasmcloud/http-client:0.12.0' }, { timeoutMs: 30_000 });
    await client('get-ok', '/ok', { allowed_hosts: '127.0.0.1:*' });
    assert.equal(await lattice.runProbe('get-ok'), 201);
    assert.ok(seen.includes(`GET /ok host=${authority}`), `server saw ${JSON.stringify(seen)}`);
  });

  it('denies by default: a link without allowed_hosts gets HTTP-request-denied and nothing is sent', async () => {
    const before = seen.length;
    await client('get-denied', '/ok', null);
    assert.equal(await lattice.runProbe('get-denied'), 1100 + HTTP_REQUEST_DENIED);
    await client('get-other', '/ok', { allowed_hosts: 'example.com,10.0.0.0/8' });
    assert.equal(await lattice.runProbe('get-other'), 1100 + HTTP_REQUEST_DENIED);
    assert.equal(seen.length, before);
  });

  it('answers HTTP-response-body-size past max_response_bytes and HTTP-response-timeout past timeout_ms', async () => {
    await client('get-big', '/big', { allowed_hosts: '127.0.0.1', max_response_bytes: '1000' });
    assert.equal(await lattice.runProbe('get-big'), 1100 + HTTP_RESPONSE_BODY_SIZE);
    await client('get-slow', '/slow', { allowed_hosts: '127.0.0.1', timeout_ms: '300' });
    assert.equal(await lattice.runProbe('get-slow'), 1100 + HTTP_RESPONSE_TIMEOUT);
  });

  it('answers connection-refused when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await client('get-refused', '/', { allowed_hosts: '127.0.0.1' }, `127.0.0.1:${closedPort}`);
    assert.equal(await lattice.runProbe('get-refused'), 1100 + CONNECTION_REFUSED);
  });
});
