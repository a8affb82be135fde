/**
 * Outgoing HTTP bodies stream, whether the http-client provider runs in the component's host, on
 * another host or in its own process (then as byte streams of the invocation protocol): a WAT
 * component relays a 20 MB download from a loopback server into an upload to the same server.
 * The server writes half of the download, then holds the rest back until it has received half
 * of the upload: the relay can only get there if the guest reads the download while it is still
 * being written and the upload leaves while the guest is still writing it (with whole bodies it
 * would wait forever and fail at its deadline). The upload must equal the download byte for byte.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Lattice, watFixture } from '../../providers/helpers.js';

const SIZE = 20 * 1024 * 1024;
const HALF = SIZE / 2;

/** Where the provider runs relative to the component (host indexes into the test lattice). */
const TOPOLOGIES = [
  { title: 'in the same host', hosts: 1, componentHost: 0, mode: 'builtin' },
  { title: 'on another host', hosts: 2, componentHost: 1, mode: 'builtin' },
  { title: 'in its own process', hosts: 1, componentHost: 0, mode: 'process' },
] as const;

for (const topology of TOPOLOGIES)
  describe(`http-client provider streams bodies ${topology.title}`, { timeout: 240_000 }, () => {
    let lattice: Lattice;
    let server: Server;
    let authority: string;
    const payload = randomBytes(SIZE);
    /** What the server saw when it let the second half of the download go. */
    let atResume: { downloadWritten: number; uploaded: number } | null = null;
    let uploadIdentical: boolean | null = null;

    before(async () => {
      lattice = await Lattice.start();
      let uploaded = 0;
      let halfUploaded: () => void = () => undefined;
      const uploadReachedHalf = new Promise<void>((resolve) => (halfUploaded = resolve));
      server = createServer((req, res) => {
        if (req.url === '/download' || req.url === '/download-small-limit') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.write(payload.subarray(0, HALF));
          if (req.url === '/download-small-limit') return; // the client gives up: its limit is below HALF
          void uploadReachedHalf.then(() => {
            atResume = { downloadWritten: HALF, uploaded };
            res.end(payload.subarray(HALF));
          });
          return;
        }
        if (req.url === '/upload') {
          const parts: Buffer[] = [];
          req.on('data', (chunk: Buffer) => {
            parts.push(chunk);
            uploaded += chunk.length;
            if (uploaded >= HALF) halfUploaded();
          });
          req.on('end', () => {
            uploadIdentical = Buffer.concat(parts).equals(payload);
            res.writeHead(uploadIdentical ? 200 : 422).end();
          });
          return;
        }
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      authority = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const host = await lattice.host();
      for (let i = 1; i < topology.hosts; i++) await lattice.host();
      await lattice.ctl.startProvider(
        host.id,
        { provider_id: 'httpc', provider_ref: 'ghcr.io/wasmcloud/http-client:0.12.0', mode: topology.mode },
        { timeoutMs: 30_000 },
      );
    });
    after(async () => {
      server?.closeAllConnections();
      server?.close();
      await lattice?.stop();
    });

    async function relay(id: string, download: string, config: Record<string, string>): Promise<number> {
      const host = lattice.hosts[topology.componentHost]!;
      const image = await watFixture('http-relay', join(lattice.dataDir, 'wasm'), { AUTHORITY: authority, DOWNLOAD: download, UPLOAD: '/upload' });
      await lattice.ctl.scaleComponent(
        host.id,
        { component_id: id, image_ref: image, count: 1, annotations: { 'lattice.dev/deadline-ms': '60000' } },
        { timeoutMs: 60_000 },
      );
      await lattice.ctl.putConfig(`${id}-http-client`, config);
      await lattice.link({
        source_id: id,
        target: 'httpc',
        wit_namespace: 'wasi',
        wit_package: 'http',
        interfaces: ['outgoing-handler'],
        target_config: [`${id}-http-client`],
      });
      return lattice.runProbe(id, 90_000);
    }

    it('reads the download while the server writes it and sends the upload while the guest writes it, byte-identical', async () => {
      const status = await relay('relay', '/download', {
        allowed_hosts: '127.0.0.1',
        max_response_bytes: String(64 << 20),
        max_request_bytes: String(64 << 20),
      });
      assert.equal(status, 200, 'the upload reached the server whole and equal to the download');
      assert.equal(uploadIdentical, true);
      // The second half of the download was only written once half of the upload had arrived.
      assert.ok(atResume, 'the server resumed the download');
      assert.equal(atResume.downloadWritten, HALF);
      assert.ok(atResume.uploaded >= HALF && atResume.uploaded < SIZE, `upload bytes at resume: ${atResume.uploaded}`);
    });

    it('ends a streamed download past max_response_bytes with an error for the guest', async () => {
      // No content-length, and a limit above response_buffer_bytes (1 MiB by default): the guest has
      // the head and is reading when the body passes the limit.
      const status = await relay('relay-limit', '/download-small-limit', { allowed_hosts: '127.0.0.1', max_response_bytes: String(2 << 20) });
      assert.equal(status, 1014, 'the guest read failed (last-operation-failed) once the body passed the limit');
    });
  });
