import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fromOutcome, invoke } from '../../protocol/mod.js';
import { buildProject } from '../../components/tools/build.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';

const PROJECT = fileURLToPath(new URL('../../../test/e2e/fixtures/link-names', import.meta.url));

/**
 * One component, one interface, two links told apart by name: the guest picks the link with
 * `wasmcloud:bus/lattice.set-link-name` (wasmCloud's way to use several buckets).
 */
describe('link names', () => {
  let t: TestLattice;

  before(async () => {
    t = await startTestLattice();
  });

  after(() => t?.dispose());

  it('routes a keyvalue import to the bucket behind the link the guest selected', { timeout: 240_000 }, async () => {
    const [built] = await buildProject(PROJECT);
    const { ctl, nc } = t;
    const host = t.hosts[0]!;
    await ctl.startProvider(host.id, { provider_id: 'kv-main', provider_ref: 'lattice://keyvalue-memory' });
    await ctl.startProvider(host.id, { provider_id: 'kv-cache', provider_ref: 'lattice://keyvalue-memory' });
    await ctl.scaleComponent(host.id, { component_id: 'probe', image_ref: pathToFileURL(built!.wasmPath).href, count: 1 }, { timeoutMs: 60_000 });
    for (const [name, target] of [
      ['default', 'kv-main'],
      ['cache', 'kv-cache'],
    ] as const) {
      await ctl.putLink({ source_id: 'probe', target, name, wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store', 'atomics'] });
    }
    const count = async (link: string) =>
      fromOutcome(
        await invoke(nc, 'default', {
          target: 'probe',
          interface: 'lattice:link-names/probe@0.1.0',
          function: 'count',
          args: [link, 'hits'],
          source: 'test',
        }),
      );
    assert.equal(await count('default'), 1n);
    assert.equal(await count('default'), 2n);
    assert.equal(await count('cache'), 1n); // another bucket: the link named "cache"
    assert.equal(await count('default'), 3n);
  });
});
