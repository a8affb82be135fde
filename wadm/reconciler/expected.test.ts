import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeManifest } from '../manifest/model.js';
import { ManifestInput } from '../manifest/schema.js';
import { planApp } from '../scalers/plan.js';
import type { LatticeState } from '../scalers/types.js';
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, commandKey, EXPECTED_TTL_MS, ExpectedState, FAILURES_BEFORE_FAILED } from './expected.js';
import { describeStatus } from './status.js';

const manifest = normalizeManifest(
  ManifestInput.parse({
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name: 'app', annotations: { version: 'v1' } },
    spec: {
      components: [
        { name: 'web', type: 'component', properties: { image: 'file:///web.wasm' }, traits: [{ type: 'spreadscaler', properties: { instances: 4 } }] },
      ],
    },
  }),
);

const lattice: LatticeState = {
  hosts: [
    { id: 'h1', labels: {}, components: [], providers: [] },
    { id: 'h2', labels: {}, components: [], providers: [] },
  ],
  links: [],
  configs: {},
};

describe('expected-state bookkeeping', () => {
  it('lays succeeded commands over the observed lattice until events show them', () => {
    const expected = new ExpectedState();
    const first = planApp({ app: 'app', manifest, state: lattice });
    assert.equal(first.commands.length, 2);
    for (const c of first.commands) expected.succeeded(c, 0);
    // No event yet: planning on the overlay repeats nothing.
    assert.deepEqual(planApp({ app: 'app', manifest, state: expected.overlay(lattice, 1) }).commands, []);
    // After the TTL without any event, the overlay is dropped and the plan asks again.
    assert.equal(planApp({ app: 'app', manifest, state: expected.overlay(lattice, EXPECTED_TTL_MS + 1) }).commands.length, 2);
  });

  it('backs off a failing command exponentially, capped, and forgets it when no longer wanted', () => {
    const expected = new ExpectedState();
    const [cmd] = planApp({ app: 'app', manifest, state: lattice }).commands;
    let now = 0;
    let delay = BACKOFF_BASE_MS;
    for (let i = 1; i <= 8; i++) {
      const f = expected.failed(cmd!, 'no such file', now);
      assert.equal(f.count, i);
      assert.equal(f.retryAt - now, Math.min(delay, BACKOFF_MAX_MS));
      assert.equal(expected.allowed(cmd!, now + 1), false);
      assert.equal(expected.allowed(cmd!, f.retryAt), true);
      now = f.retryAt;
      delay *= 2;
    }
    expected.prune(new Set());
    assert.equal(expected.allowed(cmd!, 0), true);
    expected.failed(cmd!, 'again', 0);
    expected.prune(new Set([commandKey(cmd!)]));
    assert.equal(expected.allowed(cmd!, 1), false);
  });

  it("reports the scaler failed, with the host's reason, after repeated failures", () => {
    const expected = new ExpectedState();
    const plan = planApp({ app: 'app', manifest, state: lattice });
    const [cmd] = plan.commands;
    for (let i = 0; i < FAILURES_BEFORE_FAILED - 1; i++) expected.failed(cmd!, 'image not found', i * 100_000);
    let status = describeStatus({ name: 'app', version: 'v1', manifest, plan, failures: expected.failuresOf(plan.commands) });
    assert.equal(status.state, 'reconciling');
    assert.match(status.message, /image not found/);
    expected.failed(cmd!, 'image not found', 1_000_000);
    status = describeStatus({ name: 'app', version: 'v1', manifest, plan, failures: expected.failuresOf(plan.commands) });
    assert.equal(status.state, 'failed');
    const scaler = status.scalers.find((s) => s.kind === 'spreadscaler')!;
    assert.equal(scaler.state, 'failed');
    assert.match(scaler.message, /scale app-web to 2 on h\d: image not found/);
  });
});
