import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromOutcome, invoke } from '../../protocol/mod.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { fixture } from '../runtime/helpers.js';

describe('component config', () => {
  let t: TestLattice;

  before(async () => {
    t = await startTestLattice();
  });

  after(() => t?.dispose());

  const read = async (id: string) =>
    fromOutcome(await invoke(t.nc, 'default', { target: id, interface: 'lattice:fixtures/env-probe@0.1.0', function: 'read', source: 'test' }));

  it('grants environment variables only through env.* keys of its named configs (right-most wins)', async () => {
    await t.ctl.putConfig('base', { 'env.GREETING': 'hello', 'env.LEVEL': 'info', secret_url: 'redis://x' });
    await t.ctl.putConfig('override', { 'env.LEVEL': 'debug' });
    const { ctl } = t;
    const host = t.hosts[0]!;
    const image = await fixture('env');
    await ctl.scaleComponent(host.id, { component_id: 'granted', image_ref: image, count: 1, config: ['base', 'override'] });
    await ctl.scaleComponent(host.id, { component_id: 'bare', image_ref: image, count: 1 });
    const env = new Map(await (read('granted') as Promise<Array<[string, string]>>));
    assert.deepEqual(Object.fromEntries(env), { GREETING: 'hello', LEVEL: 'debug' });
    assert.deepEqual(await read('bare'), []);
  });
});
