import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { collect, type BlobContainer, type BlobResult, type BlobstoreBackend } from '../../providers/blobstore/backends/types.js';

export interface BlobFixture {
  backend: BlobstoreBackend;
  dispose(): Promise<void>;
}

export function unwrap<T>(result: BlobResult<T>): T {
  if (result.tag === 'err') assert.fail(`expected ok, got error: ${result.val}`);
  return result.val;
}

function assertErr<T>(result: BlobResult<T>, pattern?: RegExp): void {
  assert.equal(result.tag, 'err', `expected an error, got ${JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  if (pattern && result.tag === 'err') assert.match(result.val, pattern);
}

const text = (s: string) => new TextEncoder().encode(s);

async function readAll(c: BlobContainer, object: string, start?: bigint, end?: bigint): Promise<string> {
  return new TextDecoder().decode(await collect(unwrap(await c.read(object, start, end))));
}

/** The contract every blobstore backend satisfies; each backend's test file runs it. */
export function blobstoreContract(name: string, setup: () => Promise<BlobFixture>): void {
  describe(`blobstore contract: ${name}`, () => {
    let fx: BlobFixture;
    let b: BlobstoreBackend;
    before(async () => {
      fx = await setup();
      b = fx.backend;
    });
    after(async () => {
      await b?.close();
      await fx?.dispose();
    });

    it('creates, finds, describes and deletes containers', async () => {
      assert.equal(unwrap(await b.containerExists('photos')), false);
      assertErr(await b.getContainer('photos'), /does not exist/);
      const before = BigInt(Math.floor(Date.now() / 1000)) - 2n;
      const c = unwrap(await b.createContainer('photos'));
      assert.equal(c.name, 'photos');
      assert.equal(unwrap(await b.containerExists('photos')), true);
      const info = unwrap(await c.info());
      assert.equal(info.name, 'photos');
      assert.ok(info.createdAt >= before && info.createdAt <= before + 120n, `createdAt ${info.createdAt}`);
      // create is idempotent and keeps the objects
      unwrap(await c.write('keep', text('x')));
      const again = unwrap(await b.createContainer('photos'));
      assert.equal(unwrap(await again.has('keep')), true);
      unwrap(await b.deleteContainer('photos'));
      assert.equal(unwrap(await b.containerExists('photos')), false);
      assertErr(await b.deleteContainer('photos'), /does not exist/);
    });

    it('writes and reads objects, whole and empty, and replaces on rewrite', async () => {
      const c = unwrap(await b.createContainer('rw'));
      unwrap(await c.write('hello.txt', text('hello world')));
      assert.equal(await readAll(c, 'hello.txt'), 'hello world');
      unwrap(await c.write('hello.txt', text('bye')));
      assert.equal(await readAll(c, 'hello.txt'), 'bye');
      assert.equal(unwrap(await c.objectInfo('hello.txt')).size, 3n);
      unwrap(await c.write('empty', new Uint8Array(0)));
      assert.equal((await collect(unwrap(await c.read('empty')))).length, 0);
      assert.equal(unwrap(await c.has('empty')), true);
      assertErr(await c.read('missing'), /does not exist/);
      assertErr(await c.objectInfo('missing'), /does not exist/);
    });

    it('streams a 3 MB object in and out in chunks', async () => {
      const c = unwrap(await b.createContainer('big'));
      const data = new Uint8Array(randomBytes(3 * 1024 * 1024));
      async function* body() {
        for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
      }
      unwrap(await c.write('blob.bin', body()));
      let chunks = 0;
      const parts: Uint8Array[] = [];
      for await (const part of unwrap(await c.read('blob.bin'))) {
        chunks++;
        parts.push(part);
      }
      assert.ok(chunks > 1, 'a large read arrives as a stream of several chunks');
      assert.deepStrictEqual(Buffer.concat(parts), Buffer.from(data));
      assert.equal(unwrap(await c.objectInfo('blob.bin')).size, BigInt(data.length));
      // a range across internal chunk boundaries
      const mid = await collect(unwrap(await c.read('blob.bin', 1_000_000n, 2_500_000n)));
      assert.deepStrictEqual(Buffer.from(mid), Buffer.from(data.subarray(1_000_000, 2_500_001)));
    });

    it('reads inclusive ranges, clipped at the end', async () => {
      const c = unwrap(await b.createContainer('ranges'));
      unwrap(await c.write('abc', text('abcdefghij')));
      assert.equal(await readAll(c, 'abc', 0n, 0n), 'a');
      assert.equal(await readAll(c, 'abc', 2n, 5n), 'cdef');
      assert.equal(await readAll(c, 'abc', 7n, 1_000n), 'hij');
      assert.equal(await readAll(c, 'abc', 10n, 20n), '');
      assertErr(await c.read('abc', 5n, 2n), /before its start/);
    });

    it('lists, tests, describes and deletes objects, nested names included', async () => {
      const c = unwrap(await b.createContainer('objs'));
      for (const o of ['b.txt', 'a.txt', 'dir/c.txt', 'dir/sub/d.txt']) unwrap(await c.write(o, text(o)));
      assert.deepEqual(unwrap(await c.list()), ['a.txt', 'b.txt', 'dir/c.txt', 'dir/sub/d.txt']);
      assert.equal(await readAll(c, 'dir/sub/d.txt'), 'dir/sub/d.txt');
      assert.equal(unwrap(await c.has('a.txt')), true);
      assert.equal(unwrap(await c.has('nope')), false);
      const info = unwrap(await c.objectInfo('dir/c.txt'));
      assert.equal(info.name, 'dir/c.txt');
      assert.equal(info.container, 'objs');
      assert.equal(info.size, 9n);
      unwrap(await c.delete('a.txt'));
      unwrap(await c.delete('a.txt'));
      assert.equal(unwrap(await c.has('a.txt')), false);
      unwrap(await c.deleteMany(['b.txt', 'dir/sub/d.txt', 'never']));
      assert.deepEqual(unwrap(await c.list()), ['dir/c.txt']);
      unwrap(await c.clear());
      assert.deepEqual(unwrap(await c.list()), []);
      assert.equal(unwrap(await b.containerExists('objs')), true);
    });

    it('copies and moves objects within and across containers', async () => {
      const src = unwrap(await b.createContainer('src'));
      const dest = unwrap(await b.createContainer('dest'));
      unwrap(await src.write('one', text('1')));
      unwrap(await dest.write('copy', text('old')));
      unwrap(await b.copyObject({ container: 'src', object: 'one' }, { container: 'dest', object: 'copy' }));
      assert.equal(await readAll(dest, 'copy'), '1');
      assert.equal(unwrap(await src.has('one')), true);
      unwrap(await b.moveObject({ container: 'src', object: 'one' }, { container: 'dest', object: 'moved/one' }));
      assert.equal(unwrap(await src.has('one')), false);
      assert.equal(await readAll(dest, 'moved/one'), '1');
      unwrap(await b.moveObject({ container: 'dest', object: 'copy' }, { container: 'dest', object: 'renamed' }));
      assert.deepEqual(unwrap(await dest.list()), ['moved/one', 'renamed']);
      assertErr(await b.copyObject({ container: 'dest', object: 'renamed' }, { container: 'no-such', object: 'x' }), /does not exist/);
      assertErr(await b.copyObject({ container: 'src', object: 'gone' }, { container: 'dest', object: 'x' }), /does not exist/);
      assertErr(await b.moveObject({ container: 'src', object: 'gone' }, { container: 'dest', object: 'x' }), /does not exist/);
    });

    it('takes any UTF-8 container name it can store', async () => {
      const c = unwrap(await b.createContainer('my files ü'));
      unwrap(await c.write('x', text('y')));
      const again = unwrap(await b.getContainer('my files ü'));
      assert.equal(await readAll(again, 'x'), 'y');
      assert.equal(unwrap(await b.containerExists('my files')), false);
    });
  });
}
