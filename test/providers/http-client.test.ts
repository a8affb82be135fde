/**
 * The http-client provider's handler called directly, against a real HTTP server on loopback:
 * methods, headers and bodies both ways, redirects handed to the guest, the allow-list judged per
 * link (a link's list replaces the provider's), invalid requests as error-codes.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import httpClient from '../../providers/http-client/index.js';
import { allowEntries } from '../../providers/http-client/config.js';
import { DirectProvider } from './harness.js';

const OUT = 'wasi:http/outgoing-handler@0.2.0';
const enc = new TextEncoder();
const dec = new TextDecoder();

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('http-client provider handler', () => {
  let server: Server;
  let base: string;
  let p: DirectProvider;
  const seen: Seen[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString() });
        if (req.url === '/redirect') res.writeHead(302, { location: 'http://example.com/' }).end();
        else res.writeHead(200, { 'x-reply': 'yes', 'set-cookie': ['a=1', 'b=2'] }).end(`got ${Buffer.concat(parts).length} bytes`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    p = await DirectProvider.start(httpClient, { allowed_hosts: '127.0.0.1:*' }, undefined as never);
  });
  after(async () => {
    await p?.stop();
    server?.closeAllConnections();
    server?.close();
  });

  const request = (url: string, init: { method?: string; headers?: Array<[string, string]>; body?: Uint8Array } = {}) => ({
    method: init.method ?? 'GET',
    pathWithQuery: new URL(url).pathname,
    scheme: 'http',
    url,
    headers: init.headers ?? [],
    body: init.body ?? new Uint8Array(0),
    authority: new URL(url).host,
  });

  it('sends method, headers and body, and returns status, headers and body', async () => {
    const res = (await p.ok('app', OUT, 'handle', [
      request(`${base}/items?id=3`, {
        method: 'POST',
        headers: [
          ['content-type', 'text/plain'],
          ['x-trace', 't1'],
          ['connection', 'close'],
          ['host', 'evil.example'],
        ],
        body: enc.encode('payload!'),
      }),
    ])) as { status: number; headers: Array<[string, string]>; body: Uint8Array };
    assert.equal(res.status, 200);
    assert.equal(dec.decode(res.body), 'got 8 bytes');
    assert.ok(res.headers.some(([k, v]) => k === 'x-reply' && v === 'yes'));
    assert.deepEqual(
      res.headers.filter(([k]) => k === 'set-cookie').map(([, v]) => v),
      ['a=1', 'b=2'],
    );
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/items?id=3');
    assert.equal(last.body, 'payload!');
    assert.equal(last.headers['x-trace'], 't1');
    assert.equal(last.headers.host, new URL(base).host, 'the Host header is the URL authority, not a guest-supplied one');
  });

  it('hands redirects to the guest instead of following them past the allow-list', async () => {
    const res = (await p.ok('app', OUT, 'handle', [request(`${base}/redirect`)])) as { status: number; headers: Array<[string, string]> };
    assert.equal(res.status, 302);
    assert.ok(res.headers.some(([k, v]) => k === 'location' && v === 'http://example.com/'));
  });

  it('judges the allow-list of the link the call came through', async () => {
    const narrow = DirectProvider.targetLink(
      { source_id: 'app', wit_namespace: 'wasi', wit_package: 'http', interfaces: ['outgoing-handler'] },
      { allowed_hosts: 'example.com' },
    );
    const before = seen.length;
    assert.deepEqual(await p.call('app', OUT, 'handle', [request(`${base}/`)], narrow), { tag: 'err', val: { tag: 'HTTP-request-denied' } });
    assert.equal(seen.length, before);
    const broken = DirectProvider.targetLink(
      { source_id: 'app', wit_namespace: 'wasi', wit_package: 'http', interfaces: ['outgoing-handler'] },
      { allowed_hosts: 'ftp://x' },
    );
    const r = await p.call('app', OUT, 'handle', [request(`${base}/`)], broken);
    assert.equal((r.val as { tag: string }).tag, 'internal-error');
  });

  it('answers invalid requests with error-codes', async () => {
    assert.deepEqual(await p.call('app', OUT, 'handle', [{ method: 'GET', url: 'not a url', headers: [], body: new Uint8Array(0) }]), {
      tag: 'err',
      val: { tag: 'HTTP-request-URI-invalid' },
    });
    assert.deepEqual(await p.call('app', OUT, 'handle', [{ ...request(`${base}/`), method: 'GE T' }]), {
      tag: 'err',
      val: { tag: 'HTTP-request-method-invalid' },
    });
    assert.deepEqual(await p.call('app', OUT, 'handle', [{ ...request('ftp://127.0.0.1/') }]), { tag: 'err', val: { tag: 'HTTP-request-denied' } });
  });

  it('reads `host:*` allow-list entries as "any port"', () => {
    assert.deepEqual(allowEntries(' 127.0.0.1:* , example.com,,[::1]:*'), ['127.0.0.1', 'example.com', '[::1]']);
  });
});
