import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFsBackend } from '../../providers/blobstore/backends/fs.js';
import { collect, type BlobstoreBackend } from '../../providers/blobstore/backends/types.js';
import { blobstoreContract, unwrap } from './contract.js';

blobstoreContract('filesystem', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lattice-blob-'));
  return {
    backend: await createFsBackend({ root: join(dir, 'root') }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('filesystem blobstore stays inside its root', () => {
  let dir: string;
  let root: string;
  let outside: string;
  let b: BlobstoreBackend;
  const bytes = new TextEncoder().encode('data');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lattice-blob-jail-'));
    root = join(dir, 'root');
    outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret'), 'top secret');
    b = await createFsBackend({ root });
    unwrap(await b.createContainer('jail'));
    // planted by someone with shell access: links from inside the root to outside it
    await symlink(outside, join(root, 'jail', 'link-dir'));
    await symlink(join(outside, 'secret'), join(root, 'jail', 'link-file'));
    await symlink(outside, join(root, 'evil-container'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses container names that are not one plain path segment', async () => {
    for (const name of ['..', '.', '', 'a/b', '/abs', '../outside', '.hidden', 'a\\b']) {
      const r = await b.createContainer(name);
      assert.equal(r.tag, 'err', `container ${JSON.stringify(name)} must be refused`);
    }
    assert.deepEqual(await readdir(outside), ['secret']);
  });

  it('refuses object names with "..", absolute paths and empty segments, reading or writing', async () => {
    const jail = unwrap(await b.getContainer('jail'));
    for (const name of ['../escape', 'a/../../escape', '../../outside/secret', '/etc/passwd', 'a//b', 'a/', '', './x']) {
      const w = await jail.write(name, bytes);
      assert.equal(w.tag, 'err', `write ${JSON.stringify(name)} must be refused`);
      const r = await jail.read(name);
      assert.equal(r.tag, 'err', `read ${JSON.stringify(name)} must be refused`);
    }
    assert.deepEqual(await readdir(outside), ['secret']);
    assert.deepEqual((await readdir(dir)).sort(), ['outside', 'root']);
  });

  it('refuses to follow symlinks out of the root, for reads, writes, deletes, copies and containers', async () => {
    const jail = unwrap(await b.getContainer('jail'));
    const viaDir = await jail.read('link-dir/secret');
    assert.equal(viaDir.tag, 'err');
    assert.match(viaDir.tag === 'err' ? viaDir.val : '', /symlink/);
    assert.equal((await jail.read('link-file')).tag, 'err');
    assert.equal((await jail.objectInfo('link-file')).tag, 'err');
    assert.equal((await jail.write('link-dir/planted', bytes)).tag, 'err');
    assert.equal((await jail.write('link-dir/sub/planted', bytes)).tag, 'err');
    assert.equal((await jail.delete('link-dir/secret')).tag, 'err');
    unwrap(await jail.write('inside', bytes));
    assert.equal((await b.copyObject({ container: 'jail', object: 'inside' }, { container: 'jail', object: 'link-dir/copied' })).tag, 'err');
    assert.equal((await b.moveObject({ container: 'jail', object: 'link-file' }, { container: 'jail', object: 'took' })).tag, 'err');
    assert.equal((await b.getContainer('evil-container')).tag, 'err');
    assert.equal((await b.deleteContainer('evil-container')).tag, 'err');
    // nothing changed outside, and symlinks are not listed as objects
    assert.deepEqual(await readdir(outside), ['secret']);
    assert.deepEqual(unwrap(await jail.list()), ['inside']);
    assert.equal(new TextDecoder().decode(await collect(unwrap(await jail.read('inside')))), 'data');
  });
});
