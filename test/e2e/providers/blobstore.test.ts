/**
 * wasi:blobstore from a WAT component through a real host and the blobstore provider: an object
 * moved by the component moves on disk (filesystem backend, root from provider config) and in
 * the NATS object store (backend chosen by link target config); a failed move reaches the guest
 * as the interface's error string.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fromOutcome, invoke, TargetNotRunningError } from '../../../protocol/mod.js';
import { Lattice, watFixture } from '../../providers/helpers.js';

const BLOB_LINK = { source_id: 'mover', target: 'blobs', wit_namespace: 'wasi', wit_package: 'blobstore', interfaces: ['blobstore', 'container', 'types'] };

describe('blobstore provider end to end', { timeout: 180_000 }, () => {
  let lattice: Lattice;

  before(async () => {
    lattice = await Lattice.start();
  });
  after(() => lattice?.stop());

  async function run(id: string): Promise<number> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return fromOutcome(
          await invoke(lattice.nc, 'default', { target: id, interface: 'lattice:fixtures/probe@0.1.0', function: 'run', source: 'test', deadlineMs: 15_000 }),
        ) as number;
      } catch (error) {
        if (!(error instanceof TargetNotRunningError) || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  it('moves an object on the filesystem backend; a second move answers the error string', async () => {
    const host = await lattice.host();
    const root = join(lattice.dataDir, 'blobs');
    await mkdir(join(root, 'inbox'), { recursive: true });
    await mkdir(join(root, 'archive'), { recursive: true });
    await writeFile(join(root, 'inbox', 'note.txt'), 'remember the milk');
    await lattice.ctl.putConfig('blobs-root', { root });
    await lattice.ctl.startProvider(
      host.id,
      { provider_id: 'blobs', provider_ref: 'ghcr.io/wasmcloud/blobstore-fs:0.10.1', config: ['blobs-root'] },
      { timeoutMs: 30_000 },
    );
    const image = await watFixture('blob-move', join(lattice.dataDir, 'wasm'));
    await lattice.ctl.scaleComponent(host.id, { component_id: 'mover', image_ref: image, count: 1 }, { timeoutMs: 60_000 });
    await lattice.link(BLOB_LINK);

    assert.equal(await run('mover'), 201);
    assert.equal(await readFile(join(root, 'archive', 'note.txt'), 'utf8'), 'remember the milk');
    await assert.rejects(stat(join(root, 'inbox', 'note.txt')), { code: 'ENOENT' });
    // The source is gone now: the move answers err(string) and the guest sees it as a value.
    assert.equal(await run('mover'), 1001);
  });

  it('moves an object in the NATS object store when the link selects the nats backend', async () => {
    const objm = lattice.nc.jetstream().views;
    const inbox = await objm.os('inbox');
    await objm.os('archive');
    await inbox.putBlob({ name: 'note.txt' }, new TextEncoder().encode('from nats'));
    await lattice.ctl.putConfig('blobs-nats', { backend: 'nats' });
    await lattice.link({ ...BLOB_LINK, target_config: ['blobs-nats'] });

    const deadline = Date.now() + 20_000;
    let answer = await run('mover');
    // The link change reaches the provider through a KV watch; until then the fs backend answers 1001.
    while (answer !== 201 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await run('mover');
    }
    assert.equal(answer, 201);
    const archived = await (await objm.os('archive')).getBlob('note.txt');
    assert.equal(new TextDecoder().decode(archived!), 'from nats');
    assert.equal(await inbox.getBlob('note.txt'), null);
  });
});
