/**
 * Every valid manifest fixture planned on a small labelled lattice: the plan converges in one
 * step (planning again gives no commands), ends in the state the fixture is written for, and an
 * undeploy leaves the lattice exactly as it was.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateManifestText } from '../../wadm/manifest/mod.js';
import { applyCommands, planApp, planUndeploy, type LatticeState } from '../../wadm/scalers/mod.js';
import { fixtureFiles, fixtureText } from './manifest-files.js';

const lattice = (): LatticeState => ({
  hosts: [
    { id: 'north', labels: { region: 'eu-north', zone: 'edge' }, components: [], providers: [] },
    { id: 'south', labels: { region: 'eu-south', zone: 'edge' }, components: [], providers: [] },
    { id: 'cloud', labels: { zone: 'cloud' }, components: [], providers: [] },
  ],
  links: [],
  // photo-archive.yaml references this config by name (it must exist, wadm does not create it).
  configs: { 'archive-defaults': { format: 'jpeg' } },
});

/** The state each fixture ends in after one round on `lattice()`, and the placement problems. */
const EXPECTED: Record<string, { state: 'deployed' | 'failed'; problems?: RegExp[] }> = {
  'deprecated-forms.yaml': { state: 'deployed' },
  'edge-agent.yaml': { state: 'deployed' },
  'edge-gateway.yaml': { state: 'deployed' },
  'greeter.yaml': { state: 'deployed' },
  'http-counter.yaml': { state: 'deployed' },
  'order-events.yaml': { state: 'deployed' },
  'photo-archive.yaml': { state: 'deployed' },
  'storefront.yaml': { state: 'deployed' },
  'three-regions.yaml': {
    state: 'failed',
    problems: [/echo: spread "orbit" needs 1 instance\(s\) but no host matches region=orbit/, /ingress: spread "orbit" needs 1 .*region=orbit/],
  },
};

describe('scheduling the manifest fixtures', () => {
  it('has an expectation for every valid fixture', () => {
    assert.deepEqual(fixtureFiles('valid'), Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`plans, converges and undeploys valid/${file} (${expected.state})`, () => {
      const manifest = validateManifestText(fixtureText('valid', file)).manifest!;
      const app = manifest.name;
      const plan = planApp({ app, manifest, state: lattice() });
      assert.ok(plan.commands.length > 0, 'a fresh deploy has something to do');
      const after = applyCommands(lattice(), plan.commands);
      const again = planApp({ app, manifest, state: after });
      assert.deepEqual(again.commands, [], `not converged: ${JSON.stringify(again.commands)}`);
      assert.equal(again.state, expected.state, JSON.stringify(again.scalers));
      const messages = again.problems.map((p) => `${p.component}: ${p.message}`);
      for (const problem of expected.problems ?? [])
        assert.ok(
          messages.some((m) => problem.test(m)),
          JSON.stringify(messages),
        );
      if (!expected.problems) assert.deepEqual(messages, []);
      const undeploy = applyCommands(after, planUndeploy({ app, previous: manifest, state: after }).commands);
      assert.deepEqual(undeploy, lattice());
    });
  }

  it('splits 40/40/20 of 5 instances as 2/2/1 and places what has a host', () => {
    const manifest = validateManifestText(fixtureText('valid', 'three-regions.yaml')).manifest!;
    const after = applyCommands(lattice(), planApp({ app: manifest.name, manifest, state: lattice() }).commands);
    const echo = manifest.components.find((c) => c.name === 'echo')!.id;
    const slots = Object.fromEntries(after.hosts.map((h) => [h.id, h.components.find((c) => c.id === echo)?.max_instances ?? 0]));
    assert.deepEqual(slots, { north: 2, south: 2, cloud: 0 });
  });

  it('runs daemonscalers on every matching host', () => {
    const manifest = validateManifestText(fixtureText('valid', 'edge-agent.yaml')).manifest!;
    const after = applyCommands(lattice(), planApp({ app: manifest.name, manifest, state: lattice() }).commands);
    const [agent, web] = manifest.components.map((c) => c.id);
    const placed = after.hosts.map((h) => [h.id, h.components.find((c) => c.id === agent)?.max_instances ?? 0, h.providers.some((p) => p.id === web)]);
    assert.deepEqual(placed, [
      ['north', 2, true],
      ['south', 2, true],
      ['cloud', 0, true],
    ]);
  });
});
