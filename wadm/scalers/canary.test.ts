import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppManifest } from '../manifest/model.js';
import { validateManifest } from '../manifest/validate.js';
import { planApp } from './plan.js';
import { applyCommands } from './simulate.js';
import type { Command, LatticeState } from './types.js';

function shop(image: string, version: string): AppManifest {
  const r = validateManifest({
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name: 'shop', annotations: { version } },
    spec: {
      components: [{ name: 'api', type: 'component', properties: { image }, traits: [{ type: 'spreadscaler', properties: { instances: 6 } }] }],
      policies: [{ name: 'canary', type: 'policy.lattice.dev/canary', properties: { weight: '20' } }],
    },
  });
  assert.ok(r.manifest, JSON.stringify(r.problems));
  return r.manifest;
}

const V1 = shop('file://api-v1.wasm', 'v1');
const V2 = shop('file://api-v2.wasm', 'v2');
const empty = (): LatticeState => ({ hosts: ['h1', 'h2', 'h3'].map((id) => ({ id, labels: {}, components: [], providers: [] })), links: [], configs: {} });
type Verdicts = Map<string, 'promoted' | 'rolled_back'>;
const canary = (verdicts: Verdicts = new Map()) => ({ weight: 20, verdicts });
const plan = (manifest: AppManifest, state: LatticeState, verdicts?: Verdicts) => planApp({ app: 'shop', manifest, state, canary: canary(verdicts) });
const scales = (commands: Command[]) => commands.filter((c): c is Extract<Command, { type: 'scale_component' }> => c.type === 'scale_component');

/** Plans and applies until nothing is left to do (at most 10 rounds). */
function settle(manifest: AppManifest, state: LatticeState, verdicts?: Verdicts): LatticeState {
  for (let i = 0; i < 10; i++) {
    const p = plan(manifest, state, verdicts);
    if (p.commands.length === 0) return state;
    state = applyCommands(state, p.commands);
  }
  assert.fail('did not converge');
}

describe('canary upgrades in the component scaler', () => {
  const running = settle(V1, empty());

  it('needs something to compare with: a first deploy places the image as usual', () => {
    for (const c of running.hosts.map((h) => h.components[0]!)) assert.deepEqual([c.image_ref, c.canary], ['file://api-v1.wasm', undefined]);
  });

  it('keeps the running image on every host at once and gives the new one its share beside it', () => {
    const p = plan(V2, running);
    assert.equal(scales(p.commands).length, 3, 'no upgrade waves: the share is the exposure limit');
    for (const c of scales(p.commands)) {
      assert.deepEqual([c.image_ref, c.count, c.allow_update, c.canary], ['file://api-v1.wasm', 2, false, { image_ref: 'file://api-v2.wasm', weight: 20 }]);
    }
    assert.match(p.scalers[0]!.message, /canary: file:\/\/api-v2\.wasm takes 20% of shop-api beside file:\/\/api-v1\.wasm on 3 host/);
    const watched = applyCommands(running, p.commands);
    const again = plan(V2, watched);
    assert.deepEqual(again.commands, [], 'a host serving the canary is left alone');
    assert.equal(again.state, 'reconciling', 'the upgrade is not done while the canary is watched');
  });

  it('a host that joins during the canary starts the running image with the canary beside it', () => {
    const watched = settle(V2, running);
    const joined: LatticeState = { ...watched, hosts: [...watched.hosts, { id: 'h4', labels: {}, components: [], providers: [] }] };
    const p = plan(V2, joined);
    const started = scales(p.commands).filter((c) => c.host_id === 'h4');
    assert.deepEqual(
      started.map((c) => [c.image_ref, c.canary?.image_ref]),
      [['file://api-v1.wasm', 'file://api-v2.wasm']],
    );
  });

  it('promoted: every host turns its canary into the running version at once, then it is deployed', () => {
    const watched = settle(V2, running);
    const promoted = new Map([['api', 'promoted' as const]]);
    const p = plan(V2, watched, promoted);
    assert.equal(scales(p.commands).length, 3, 'promotions load nothing: no waves');
    for (const c of scales(p.commands)) assert.deepEqual([c.image_ref, c.allow_update, c.canary], ['file://api-v2.wasm', true, undefined]);
    const done = settle(V2, watched, promoted);
    assert.equal(plan(V2, done, promoted).state, 'deployed');
    for (const h of done.hosts) assert.deepEqual([h.components[0]!.image_ref, h.components[0]!.canary], ['file://api-v2.wasm', undefined]);
  });

  it('rolled back: the running image stays and the canary is dropped, even before the earlier version is deployed again', () => {
    const watched = settle(V2, running);
    const p = plan(V2, watched, new Map([['api', 'rolled_back']]));
    for (const c of scales(p.commands)) assert.deepEqual([c.image_ref, c.canary], ['file://api-v1.wasm', undefined]);
    assert.match(p.scalers[0]!.message, /rolled back: file:\/\/api-v1\.wasm keeps serving/);
  });

  it('the earlier version deployed again drops the canaries the hosts still run', () => {
    const watched = settle(V2, running);
    const p = plan(V1, watched);
    assert.equal(scales(p.commands).length, 3);
    for (const c of scales(p.commands)) assert.deepEqual([c.image_ref, c.allow_update, c.canary], ['file://api-v1.wasm', false, undefined]);
    const back = applyCommands(watched, p.commands);
    assert.deepEqual(plan(V1, back).commands, []);
  });
});
