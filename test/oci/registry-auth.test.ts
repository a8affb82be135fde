/**
 * Registries that require credentials: htpasswd basic auth and the Bearer token flow, each a real
 * docker-registry on loopback. Credentials come from `lattice registry login`, the environment or
 * docker's config.json; a host without them gets a 401 it can explain, and stays up.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { defaultCredentials } from '../../lib/oci/mod.js';
import { runCli } from '../cli/run-cli.js';
import { startTestLattice, type TestLattice } from '../kit/lattice.js';
import { TestRegistry, type RegistryAuth } from '../kit/registry.js';
import { fixture } from '../runtime/helpers.js';

for (const auth of ['basic', 'token'] as RegistryAuth[]) {
  describe(`a registry with ${auth} auth`, { timeout: 180_000 }, () => {
    let lattice: TestLattice;
    let registry: TestRegistry;
    let helloPath: string;
    let home: string;

    before(async () => {
      registry = await TestRegistry.start({ auth, users: { alice: 'wonder-land' } });
      lattice = await startTestLattice({ hosts: 0 });
      home = join(lattice.dataDir, 'home');
      helloPath = fileURLToPath(await fixture('http-hello'));
      // Host 0 reads docker's config.json; host 1 has no credentials at all.
      const dockerDir = join(lattice.dataDir, 'docker');
      await mkdir(dockerDir, { recursive: true });
      await writeFile(
        join(dockerDir, 'config.json'),
        JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:wonder-land').toString('base64') } } }),
      );
      await lattice.addHost({
        oci: {
          cacheDir: join(lattice.dataDir, 'c0'),
          insecureRegistries: [registry.host],
          credentials: defaultCredentials({ env: { DOCKER_CONFIG: dockerDir }, home: join(lattice.dataDir, 'none') }),
        },
      });
      await lattice.addHost({ oci: { cacheDir: join(lattice.dataDir, 'c1'), insecureRegistries: [registry.host], credentials: async () => null } });
    });

    after(async () => {
      await lattice?.dispose();
      await registry?.dispose();
    });

    const cli = (...args: string[]) => runCli(args, { LATTICE_DATA_DIR: home, DOCKER_CONFIG: join(home, 'no-docker') });

    it('push needs credentials; lattice registry login provides them', async () => {
      const target = `oci://${registry.host}/team/hello:1.0.0`;
      const refused = await cli('push', target, helloPath, '--insecure');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /401 Unauthorized/);
      assert.match(refused.stderr, /lattice registry login 127\.0\.0\.1:\d+/);
      const wrong = await cli('registry', 'login', registry.host, '-u', 'alice', '-p', 'wrong');
      assert.equal(wrong.code, 0, wrong.stderr);
      assert.match((await cli('push', target, helloPath, '--insecure')).stderr, /refused the credentials/);
      const login = await cli('registry', 'login', registry.host, '-u', 'alice', '-p', 'wonder-land');
      assert.equal(login.code, 0, login.stderr);
      const stored = JSON.parse(await readFile(join(home, 'registries.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      assert.equal(Buffer.from(stored.auths[registry.host]!.auth, 'base64').toString(), 'alice:wonder-land');
      const pushed = await cli('push', target, helloPath, '--insecure');
      assert.equal(pushed.code, 0, pushed.stderr);
      // Environment credentials work the same way, without a login.
      const viaEnv = await runCli(['push', `oci://${registry.host}/team/hello:env`, helloPath, '--insecure'], {
        LATTICE_DATA_DIR: join(home, 'empty'),
        LATTICE_REGISTRY_USER: 'alice',
        LATTICE_REGISTRY_PASSWORD: 'wonder-land',
      });
      assert.equal(viaEnv.code, 0, viaEnv.stderr);
    });

    it("a host with docker's config.json pulls; one without credentials gets a clear 401", async () => {
      const image = `${registry.host}/team/hello:1.0.0`;
      await lattice.ctl.scaleComponent(lattice.hosts[0]!.id, { component_id: 'hello', image_ref: image, count: 1 }, { timeoutMs: 60_000 });
      await assert.rejects(
        lattice.ctl.scaleComponent(lattice.hosts[1]!.id, { component_id: 'hello', image_ref: image, count: 1 }, { timeoutMs: 60_000 }),
        /401 Unauthorized: .*no credentials/,
      );
      assert.equal((await lattice.ctl.pingHosts()).length, 2);
    });
  });
}
