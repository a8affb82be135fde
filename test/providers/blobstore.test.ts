/**
 * The blobstore provider's wasi:blobstore handlers, called as the runtime forwards them, on the
 * filesystem backend and on a real NATS object store: containers, objects written through an
 * outgoing-value's output-stream, read whole or through an input-stream, listing, copy/move;
 * handles scoped to the component that opened them and bounded per component.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import blobstore from '../../providers/blobstore/index.js';
import type { ProviderLink } from '../../providers/sdk/types.js';
import { NatsServer } from '../kit/nats-server.js';
import { DirectProvider } from './harness.js';

const B = 'wasi:blobstore/blobstore@0.2.0-draft';
const C = 'wasi:blobstore/container@0.2.0-draft';
const T = 'wasi:blobstore/types@0.2.0-draft';
const IO = 'wasi:io/streams@0.2.0';
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Writes `body` into object `name` the way a guest does: value, stream, writes, drop, write-data. */
async function put(p: DirectProvider, source: string, container: unknown, name: string, body: Uint8Array, link: ProviderLink | null = null) {
  const value = await p.ok(source, T, '[static]outgoing-value.new-outgoing-value', [], link);
  const out = await p.ok(source, T, '[method]outgoing-value.outgoing-value-write-body', [value], link);
  for (let at = 0; at < body.length; at += 4096)
    await p.ok(source, IO, '[method]output-stream.blocking-write-and-flush', [out, body.subarray(at, at + 4096)], link);
  await p.ok(source, IO, '[resource-drop]output-stream', [out], link);
  await p.ok(source, C, '[method]container.write-data', [container, name, value], link);
  await p.ok(source, T, '[resource-drop]outgoing-value', [value], link);
}

async function getWhole(p: DirectProvider, source: string, container: unknown, name: string, start = 0n, end = 2n ** 64n - 1n): Promise<Uint8Array> {
  const incoming = await p.ok(source, C, '[method]container.get-data', [container, name, start, end]);
  return (await p.ok(source, T, '[static]incoming-value.incoming-value-consume-sync', [incoming])) as Uint8Array;
}

function contract(name: string, config: () => Record<string, string>, nc: () => NatsConnection) {
  describe(`blobstore provider handlers (${name})`, () => {
    let p: DirectProvider;
    before(async () => {
      p = await DirectProvider.start(blobstore, config(), nc());
    });
    after(() => p?.stop());

    it('creates containers, writes through an output-stream, reads whole, ranged and streamed', async () => {
      assert.equal(await p.ok('app', B, 'container-exists', ['photos']), false);
      const c = await p.ok('app', B, 'create-container', ['photos']);
      assert.deepEqual(Object.keys(c as object).sort(), ['$resource', 'id']);
      assert.equal(await p.ok('app', B, 'container-exists', ['photos']), true);
      assert.equal(await p.ok('app', C, '[method]container.name', [c]), 'photos');

      const body = new Uint8Array(10_000).map((_, i) => i % 251);
      await put(p, 'app', c, 'a/cat.bin', body);
      assert.deepEqual(await getWhole(p, 'app', c, 'a/cat.bin'), body);
      assert.deepEqual(await getWhole(p, 'app', c, 'a/cat.bin', 10n, 19n), body.subarray(10, 20));
      const info = (await p.ok('app', C, '[method]container.object-info', [c, 'a/cat.bin'])) as { size: bigint; container: string; name: string };
      assert.equal(info.size, 10_000n);
      assert.equal(info.container, 'photos');
      assert.equal(await p.ok('app', C, '[method]container.has-object', [c, 'a/cat.bin']), true);

      // Streamed: consume-async, then read until the stream reports `closed`.
      const incoming = await p.ok('app', C, '[method]container.get-data', [c, 'a/cat.bin', 0n, 9_999n]);
      assert.equal(await p.ok('app', T, '[method]incoming-value.size', [incoming]), 10_000n);
      const input = await p.ok('app', T, '[static]incoming-value.incoming-value-consume-async', [incoming]);
      const parts: number[] = [];
      for (;;) {
        const r = await p.call('app', IO, '[method]input-stream.blocking-read', [input, 3000n]);
        if (r.tag === 'err') {
          assert.deepEqual(r.val, { tag: 'closed' });
          break;
        }
        assert.ok((r.val as Uint8Array).length <= 3000);
        parts.push(...(r.val as Uint8Array));
      }
      assert.deepEqual(Uint8Array.from(parts), body);
    });

    it('lists names in batches, copies, moves, deletes and clears', async () => {
      const c = await p.ok('app', B, 'get-container', ['photos']);
      await put(p, 'app', c, 'b.txt', enc.encode('bee'));
      await put(p, 'app', c, 'c.txt', enc.encode('sea'));
      const names = await p.ok('app', C, '[method]container.list-objects', [c]);
      assert.deepEqual(await p.ok('app', C, '[method]stream-object-names.read-stream-object-names', [names, 2n]), [['a/cat.bin', 'b.txt'], false]);
      assert.deepEqual(await p.ok('app', C, '[method]stream-object-names.read-stream-object-names', [names, 2n]), [['c.txt'], true]);

      await p.ok('app', B, 'create-container', ['backup']);
      await p.ok('app', B, 'copy-object', [
        { container: 'photos', object: 'b.txt' },
        { container: 'backup', object: 'b-copy.txt' },
      ]);
      await p.ok('app', B, 'move-object', [
        { container: 'photos', object: 'c.txt' },
        { container: 'backup', object: 'c.txt' },
      ]);
      const backup = await p.ok('app', B, 'get-container', ['backup']);
      assert.equal(dec.decode(await getWhole(p, 'app', backup, 'b-copy.txt')), 'bee');
      assert.equal(dec.decode(await getWhole(p, 'app', backup, 'c.txt')), 'sea');
      assert.equal(await p.ok('app', C, '[method]container.has-object', [c, 'c.txt']), false);

      await p.ok('app', C, '[method]container.delete-objects', [c, ['b.txt']]);
      assert.equal(await p.ok('app', C, '[method]container.has-object', [c, 'b.txt']), false);
      await p.ok('app', C, '[method]container.clear', [backup]);
      const empty = await p.ok('app', C, '[method]container.list-objects', [backup]);
      assert.deepEqual(await p.ok('app', C, '[method]stream-object-names.read-stream-object-names', [empty, 10n]), [[], true]);
      await p.ok('app', B, 'delete-container', ['backup']);
      assert.equal(await p.ok('app', B, 'container-exists', ['backup']), false);
    });

    it("answers error strings: missing container or object, bad range, another component's handle", async () => {
      const missing = await p.call('app', B, 'get-container', ['nope']);
      assert.equal(missing.tag, 'err');
      assert.equal(typeof missing.val, 'string');
      const c = await p.ok('app', B, 'get-container', ['photos']);
      const absent = await p.call('app', C, '[method]container.get-data', [c, 'absent', 0n, 10n]);
      assert.equal(absent.tag, 'err');
      assert.equal(typeof absent.val, 'string');
      const stolen = await p.call('intruder', C, '[method]container.object-info', [c, 'a/cat.bin']);
      assert.deepEqual(stolen, { tag: 'err', val: 'unknown container handle (dropped, expired or not opened by this component)' });
    });
  });
}

describe('blobstore provider', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let root: string;
  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    root = await mkdtemp(join(tmpdir(), 'lattice-blob-root-'));
  });
  after(async () => {
    await nc?.close();
    await server?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  contract(
    'fs',
    () => ({ backend: 'fs', root: join(root, 'store') }),
    () => nc,
  );
  contract(
    'nats',
    () => ({ backend: 'nats' }),
    () => nc,
  );

  describe('filesystem confinement and link roots', () => {
    it('refuses object names and symlinks that leave the root, and link roots outside the allowed ones', async () => {
      const p = await DirectProvider.start(blobstore, { backend: 'fs', root: join(root, 'confined'), allowed_roots: join(root, 'shared') }, nc);
      try {
        const c = await p.ok('app', B, 'create-container', ['box']);
        for (const name of ['../escape', 'a/../../escape', '/etc/passwd']) {
          const r = await p.call('app', C, '[method]container.has-object', [c, name]);
          assert.equal(r.tag, 'err', `${name} is refused`);
        }
        await mkdir(join(root, 'outside'), { recursive: true });
        await writeFile(join(root, 'outside', 'secret'), 'secret');
        await symlink(join(root, 'outside'), join(root, 'confined', 'box', 'link'));
        const viaLink = await p.call('app', C, '[method]container.get-data', [c, 'link/secret', 0n, 100n]);
        assert.equal(viaLink.tag, 'err');

        const tooWide = DirectProvider.targetLink(
          { source_id: 'app', wit_namespace: 'wasi', wit_package: 'blobstore', interfaces: ['blobstore'] },
          { root: '/' },
        );
        const refused = await p.call('app', B, 'container-exists', ['box'], tooWide);
        assert.equal(refused.tag, 'err');
        assert.match(String(refused.val), /outside the provider root/);

        const shared = DirectProvider.targetLink(
          { source_id: 'app', wit_namespace: 'wasi', wit_package: 'blobstore', interfaces: ['blobstore'] },
          { root: join(root, 'shared', 'app') },
        );
        const sc = await p.ok('app', B, 'create-container', ['docs'], shared);
        await put(p, 'app', sc, 'readme', enc.encode('hello'), shared);
        assert.equal(await readFile(join(root, 'shared', 'app', 'docs', 'readme'), 'utf8'), 'hello');
      } finally {
        await p.stop();
      }
    });

    it('bounds the handles a component holds: the oldest is evicted, the others keep working', async () => {
      const p = await DirectProvider.start(blobstore, { backend: 'fs', root: join(root, 'bounded'), max_handles: '4' }, nc);
      try {
        await p.ok('app', B, 'create-container', ['x']);
        const handles = [];
        for (let i = 0; i < 5; i++) handles.push(await p.ok('app', B, 'get-container', ['x']));
        assert.equal((await p.call('app', C, '[method]container.name', [handles[0]])).tag, 'err');
        for (const h of handles.slice(1)) assert.equal(await p.ok('app', C, '[method]container.name', [h]), 'x');
      } finally {
        await p.stop();
      }
    });

    it('refuses a body over max_object_bytes with the stream error `closed`', async () => {
      const p = await DirectProvider.start(blobstore, { backend: 'fs', root: join(root, 'limited'), max_object_bytes: '100' }, nc);
      try {
        const value = await p.ok('app', T, '[static]outgoing-value.new-outgoing-value', []);
        const out = await p.ok('app', T, '[method]outgoing-value.outgoing-value-write-body', [value]);
        assert.equal(await p.ok('app', IO, '[method]output-stream.check-write', [out]), 100n);
        assert.deepEqual(await p.call('app', IO, '[method]output-stream.write', [out, new Uint8Array(101)]), { tag: 'err', val: { tag: 'closed' } });
      } finally {
        await p.stop();
      }
    });
  });
});
