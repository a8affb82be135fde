import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateManifestText } from '../../wadm/manifest/mod.js';
import { applyCommands, planApp, planUndeploy, type LatticeState } from '../../wadm/scalers/mod.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const valid = join(repoRoot, '..', 'shared', 'manifests', 'valid');

const lattice = (): LatticeState => ({
  hosts: [
    { id: 'east', labels: { region: 'us-brooks-east', zone: 'edge' }, components: [], providers: [] },
    { id: 'west', labels: { region: 'us-taylor-west', zone: 'edge' }, components: [], providers: [] },
    { id: 'cloud', labels: { zone: 'cloud' }, components: [], providers: [] },
  ],
  links: [],
  configs: { 'blobby-default-configuration-values': { a: 'b' } },
});

describe('scheduling the manifest corpus', () => {
  for (const file of readdirSync(valid)) {
    it(`plans, converges and undeploys valid/${file}`, () => {
      const manifest = validateManifestText(readFileSync(join(valid, file), 'utf8')).manifest!;
      const app = manifest.name;
      const plan = planApp({ app, manifest, state: lattice() });
      const after = applyCommands(lattice(), plan.commands);
      const again = planApp({ app, manifest, state: after });
      assert.deepEqual(again.commands, [], `not converged: ${JSON.stringify(again.commands)}`);
      const moon = JSON.stringify(manifest).includes('"moon"');
      assert.equal(again.state, moon ? 'failed' : 'deployed', JSON.stringify(again.scalers));
      if (moon) assert.ok(again.problems.some((p) => /no host matches region=moon/.test(p.message)), JSON.stringify(again.problems));
      const undeploy = applyCommands(after, planUndeploy({ app, previous: manifest, state: after }).commands);
      assert.deepEqual(undeploy, { ...lattice(), hosts: lattice().hosts });
    });
  }
});
