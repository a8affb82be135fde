/**
 * The blobby example (JS component: HTTP file server on wasi:blobstore, bodies through wasi:io
 * streams) through a real host, the http-server and the blobstore provider (filesystem backend).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { example, Lattice } from '../../providers/helpers.js';

describe('blobby example end to end', { timeout: 240_000 }, () => {
  let lattice: Lattice;
  let image: string;
  before(async () => {
    [lattice, image] = await Promise.all([Lattice.start(), example('blobby')]);
  });
  after(() => lattice?.stop());

  it('stores a PUT body as a file and serves it back', async () => {
    const host = await lattice.host();
    const root = join(lattice.dataDir, 'blobby');
    await lattice.ctl.putConfig('blobby-root', { root });
    await lattice.ctl.scaleComponent(host.id, { component_id: 'blobby', image_ref: image, count: 1 }, { timeoutMs: 60_000 });
    await lattice.ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0' }, { timeoutMs: 30_000 });
    await lattice.ctl.startProvider(
      host.id,
      { provider_id: 'blobs', provider_ref: 'ghcr.io/wasmcloud/blobstore-fs:0.10.1', config: ['blobby-root'] },
      { timeoutMs: 30_000 },
    );
    await lattice.link({
      source_id: 'blobby',
      target: 'blobs',
      wit_namespace: 'wasi',
      wit_package: 'blobstore',
      interfaces: ['blobstore', 'container', 'types'],
    });
    const base = await lattice.httpLink('http', 'blobby');
    const put = await fetch(`${base}/hello.txt`, { method: 'PUT', body: 'hello blobby' });
    assert.equal(put.status < 300, true, `PUT answered ${put.status}: ${await put.clone().text()}`);
    assert.equal(await readFile(join(root, 'blobby', 'hello.txt'), 'utf8'), 'hello blobby');
    const get = await fetch(`${base}/hello.txt`);
    assert.equal(get.status, 200);
    assert.equal(await get.text(), 'hello blobby');

    // A body of many stream chunks both ways (4 KiB writes, 64 KiB reads in the component).
    const big = Buffer.alloc(300_000).map((_, i) => (i * 7) % 256);
    assert.equal((await fetch(`${base}/dir/big.bin`, { method: 'PUT', body: big })).status, 201);
    assert.deepEqual(await readFile(join(root, 'blobby', 'dir', 'big.bin')), big);
    const back = Buffer.from(await (await fetch(`${base}/dir/big.bin`)).arrayBuffer());
    assert.equal(Buffer.compare(back, big), 0);

    assert.deepEqual(await (await fetch(`${base}/`)).json(), { container: 'blobby', objects: ['dir/big.bin', 'hello.txt'] });
    assert.equal((await fetch(`${base}/hello.txt`, { method: 'DELETE' })).status, 200);
    assert.equal((await fetch(`${base}/hello.txt`)).status, 404);
    // An object name that leaves the root is refused by the provider: the component answers its error.
    const escaped = await fetch(`${base}/..%2Fescape`, { method: 'PUT', body: 'x' });
    assert.equal(escaped.status, 500);
    assert.match(await escaped.text(), /blobstore error: .*\.\./);
  });
});
