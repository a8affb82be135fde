import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ControlClient, LinkInput } from '../../protocol/mod.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { e2eFixture } from './fixtures.js';
import { exporterFor } from '../../protocol/streams/nats-exporter.js';

const httpLink = (target: string, name: string, config: string): LinkInput => ({
  source_id: 'http',
  target,
  name,
  wit_namespace: 'wasi',
  wit_package: 'http',
  interfaces: ['incoming-handler'],
  source_config: [config],
});

/**
 * Sends a request; `events` records each body chunk as it arrives and then `end`. `body` chunks
 * are written one by one without a Content-Length (chunked upload) unless `length` is given.
 */
function exchange(
  port: number,
  path: string,
  opts: { method?: string; body?: Buffer[]; length?: number } = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; chunks: Buffer[]; events: string[] }> {
  return new Promise((resolve, reject) => {
    const events: string[] = [];
    const chunks: Buffer[] = [];
    const headers = opts.length === undefined ? {} : { 'content-length': String(opts.length) };
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, timeout: 30_000 }, (res) => {
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        events.push(`data:${chunk.toString('latin1')}`);
      });
      res.on('end', () => {
        events.push('end');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks, events });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    for (const chunk of opts.body ?? []) req.write(chunk);
    req.end();
  });
}

/**
 * Where the pieces run: the http-server provider on `providerHost`, in-process or in its own
 * process (`mode`), and the components on `componentHost`. Across hosts and from a provider
 * process the bodies cross NATS as byte streams of the invocation protocol; the behaviour the
 * client sees must not change.
 */
interface Topology {
  title: string;
  hosts: number;
  providerHost: number;
  componentHost: number;
  mode: 'builtin' | 'process';
}

const TOPOLOGIES: Topology[] = [
  { title: 'a component in the same host', hosts: 1, providerHost: 0, componentHost: 0, mode: 'builtin' },
  { title: 'a component on another host', hosts: 2, providerHost: 0, componentHost: 1, mode: 'builtin' },
  { title: 'a component, from a provider in its own process', hosts: 1, providerHost: 0, componentHost: 0, mode: 'process' },
];

for (const topology of TOPOLOGIES)
  describe(`http-server streams bodies to and from ${topology.title}`, () => {
    let t: TestLattice;
    let ctl: ControlClient;
    let port: number;

    before(async () => {
      t = await startTestLattice({ hosts: topology.hosts, perHost: () => ({ runtime: { poolSize: 2 } }) });
      ({ ctl } = t);
      const providerHost = t.hosts[topology.providerHost]!;
      const componentHost = t.hosts[topology.componentHost]!;
      port = await freePort();
      await ctl.putConfig('http-provider', { address: `127.0.0.1:${port}`, timeout_ms: '20000' });
      await ctl.startProvider(
        providerHost.id,
        { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server', config: ['http-provider'], mode: topology.mode },
        { timeoutMs: 30_000 },
      );
      await ctl.scaleComponent(componentHost.id, { component_id: 'chunks', image_ref: await e2eFixture('http-chunks'), count: 1 });
      await ctl.scaleComponent(componentHost.id, { component_id: 'echo', image_ref: await e2eFixture('http-echo'), count: 2 });
      await ctl.putConfig('route-chunks', { path: '/chunks' });
      await ctl.putConfig('route-echo', { path: '/echo', max_body_bytes: String(32 * 2 ** 20) });
      await ctl.putConfig('route-tiny', { path: '/tiny', max_body_bytes: '1024' });
      await ctl.putLink(httpLink('chunks', 'chunks', 'route-chunks'));
      await ctl.putLink(httpLink('echo', 'echo', 'route-echo'));
      await ctl.putLink(httpLink('echo', 'tiny', 'route-tiny'));
      await waitFor('routes', async () => {
        const replies = await Promise.all(['/chunks', '/echo', '/tiny'].map((p) => exchange(port, p).catch(() => null)));
        return replies.every((r) => r?.status === 200);
      });
    });

    after(() => t?.dispose());

    it('sends the first chunk of a response before the component writes the second', async () => {
      // The component blocks 300 ms between its writes; buffered, both would arrive as one piece.
      const reply = await exchange(port, '/chunks');
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['content-length'], undefined);
      assert.deepEqual(reply.events, ['data:first\n', 'data:second\n', 'end']);
    });

    it('echoes a 20 MB upload byte for byte while it streams in', async () => {
      const payload = randomBytes(20 * 2 ** 20);
      const pieces: Buffer[] = [];
      for (let at = 0; at < payload.length; at += 256 * 1024) pieces.push(payload.subarray(at, at + 256 * 1024));
      const reply = await exchange(port, '/echo', { method: 'POST', body: pieces });
      assert.equal(reply.status, 200);
      const echoed = Buffer.concat(reply.chunks);
      assert.equal(echoed.length, payload.length);
      assert.ok(echoed.equals(payload), 'the echo differs from the upload');
    });

    it('gives the component the start of an upload before the client has sent the rest', async () => {
      // The client holds back the second half until the echo of the first half arrives: buffered
      // bodies could never answer (the request would time out).
      const first = randomBytes(100_000);
      const second = randomBytes(100_000);
      const received = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let got = 0;
        const req = request({ host: '127.0.0.1', port, path: '/echo', method: 'POST', timeout: 15_000 }, (res) => {
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            got += chunk.length;
            if (got === first.length) req.end(second);
          });
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error('the echo of the first half never came')));
        req.on('error', reject);
        req.write(first);
      });
      assert.ok(received.equals(Buffer.concat([first, second])), 'the echo differs from the upload');
    });

    // The body crosses NATS, and its exporter is inspectable, only with a builtin provider on another host.
    const crossesHosts = topology.mode === 'builtin' && topology.providerHost !== topology.componentHost;
    if (crossesHosts)
      it('releases a request body the component never reads when the request ends, not at the idle limit', async () => {
        const exporter = exporterFor(t.hosts[topology.providerHost]!.nc, 'default');
        // The chunks component answers without reading its request body.
        const reply = await exchange(port, '/chunks', { method: 'POST', body: [Buffer.alloc(64 * 1024, 1), Buffer.alloc(64 * 1024, 2)] });
        assert.equal(reply.status, 200);
        // The timeout (and so the streams' idle limit) is 20 s; the release must come with the request's end.
        await waitFor('the unread body to be released', () => exporter.open === 0, { timeoutMs: 5_000 });
      });

    it('answers 413 for a chunked upload that passes the limit while streaming, and with Content-Length up front', async () => {
      // One write well past the limit: the component's first read already fails, nothing was sent.
      const chunked = await exchange(port, '/tiny', { method: 'POST', body: [Buffer.alloc(64 * 1024)] });
      assert.equal(chunked.status, 413);
      const declared = await exchange(port, '/tiny', { method: 'POST', body: [Buffer.alloc(2000)], length: 2000 });
      assert.equal(declared.status, 413);
      // Within the limit the same route echoes.
      const small = await exchange(port, '/tiny', { method: 'POST', body: [Buffer.from('small body')] });
      assert.equal(small.status, 200);
      assert.equal(Buffer.concat(small.chunks).toString(), 'small body');
    });
  });
