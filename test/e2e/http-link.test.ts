import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

describe('http-server provider -> component over a link', () => {
  let t: TestLattice;

  before(async () => {
    t = await startTestLattice();
  });

  after(() => t?.dispose());

  it('serves a WAT component through a per-link listener', async () => {
    const { ctl } = t;
    const host = t.hosts[0]!;
    const image = await fixture('http-hello');
    await ctl.scaleComponent(host.id, { component_id: 'hello', image_ref: image, count: 2 });
    await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0' });

    const port = await freePort();
    await ctl.putConfig('hello-addr', { address: `127.0.0.1:${port}` });
    await ctl.putLink({
      source_id: 'http',
      target: 'hello',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: ['hello-addr'],
    });
    const res = await waitFor('the per-link listener to answer', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
      return r && r.status === 200 ? r : null;
    });
    assert.match(await res.text(), /hello/i);

    const inv = await ctl.getInventory(host.id);
    assert.deepEqual(
      inv.components.map((c) => c.id),
      ['hello'],
    );
    assert.deepEqual(
      inv.providers.map((p) => p.id),
      ['http'],
    );
  });
});
