import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { stringify } from 'yaml';
import { startWadmApi, type WadmApi } from '../../wadm/api/mod.js';
import type { LatticeState } from '../../wadm/scalers/mod.js';
import { NatsServer } from '../kit/nats-server.js';
import { waitFor } from '../kit/wait.js';
import { fixturePath, REPO_ROOT } from './manifest-files.js';

const cli = join(REPO_ROOT, 'dist', 'cli', 'main.js');

const lattice: LatticeState = {
  hosts: [{ id: 'edge-1', labels: { zone: 'edge' }, components: [], providers: [] }],
  links: [],
  configs: {},
};

function app(name: string, zone: string, version = 'v1'): string {
  return stringify({
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name, annotations: { version, description: `${name} app` } },
    spec: {
      components: [
        {
          name: 'web',
          type: 'component',
          properties: { image: 'file://web.wasm' },
          traits: [{ type: 'spreadscaler', properties: { instances: 2, spread: [{ name: 'z', requirements: { zone } }] } }],
        },
      ],
    },
  });
}

describe('lattice app (wadm API over a real nats-server)', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let api: WadmApi;
  const dir = mkdtempSync(join(tmpdir(), 'lattice-app-'));

  // Asynchronous on purpose: the wadm API answering the CLI runs in this process.
  const lattice_ = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, '--nats-url', server.url, '--lattice', 'cli-test', ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    api = await startWadmApi({ nc, lattice: 'cli-test', observe: async () => lattice });
    writeFileSync(join(dir, 'edge.yaml'), app('edgeapp', 'edge'));
    writeFileSync(join(dir, 'moon.yaml'), app('moonapp', 'moon'));
  });
  after(async () => {
    await api.stop();
    await nc.close();
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys a file without waiting, then lists, shows status and history', async () => {
    const r = await lattice_('app', 'deploy', join(dir, 'edge.yaml'), '--no-wait');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /edgeapp v1: reconciling/);
    const list = await lattice_('-o', 'json', 'app', 'list');
    assert.deepEqual(
      JSON.parse(list.stdout).map((a: { name: string; deployed_version: string }) => [a.name, a.deployed_version]),
      [['edgeapp', 'v1']],
    );
    const status = await lattice_('app', 'status', 'edgeapp');
    assert.match(status.stdout, /spreadscaler .*web .*reconciling/);
    const history = await lattice_('app', 'history', 'edgeapp');
    assert.match(history.stdout, /v1 .* yes/);
  });

  it('fails at once, naming the reason, when nothing can be placed', async () => {
    const r = await lattice_('app', 'deploy', join(dir, 'moon.yaml'));
    assert.equal(r.code, 1);
    assert.match(r.stdout, /cannot place: web: spread "z" needs 2 instance\(s\) but no host matches zone=moon/);
  });

  it('waits for the reconciler to report deployed', async () => {
    const before = (await api.statuses.get('edgeapp'))!.updated_at;
    const running = lattice_('app', 'deploy', 'edgeapp');
    // Play the reconciler: once this deploy is recorded, report convergence.
    await waitFor('deploy recorded', async () => (await api.statuses.get('edgeapp'))!.updated_at > before);
    await api.statuses.put({
      name: 'edgeapp',
      version: 'v1',
      state: 'deployed',
      message: '2 instance(s) on 1 host(s)',
      scalers: [],
      updated_at: new Date().toISOString(),
    });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /edgeapp v1: deployed/);
  });

  it('rejects an invalid file before deploying, and names unknown applications', async () => {
    const bad = await lattice_('app', 'deploy', fixturePath('invalid', 'unknown-trait-key.yaml'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown key "enabled"/);
    const missing = await lattice_('app', 'status', 'nope');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /application "nope" not found/);
  });

  it('rolls back to the version stored before the deployed one, or to the one named', async () => {
    writeFileSync(join(dir, 'edge-v2.yaml'), app('edgeapp', 'edge', 'v2'));
    writeFileSync(join(dir, 'edge-v3.yaml'), app('edgeapp', 'edge', 'v3'));
    assert.equal((await lattice_('app', 'put', join(dir, 'edge-v2.yaml'))).code, 0);
    const deployed = await lattice_('app', 'deploy', join(dir, 'edge-v3.yaml'), '--no-wait');
    assert.equal(deployed.code, 0, deployed.stderr);
    const back = await lattice_('app', 'rollback', 'edgeapp', '--no-wait');
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /edgeapp v2: reconciling/);
    const named = await lattice_('app', 'rollback', 'edgeapp', 'v1', '--no-wait');
    assert.match(named.stdout, /edgeapp v1: reconciling/);
    const first = await lattice_('app', 'rollback', 'edgeapp');
    assert.equal(first.code, 1);
    assert.match(first.stderr, /v1 is the first stored version: there is nothing before it to roll back to/);
    const unknown = await lattice_('app', 'rollback', 'edgeapp', 'v9', '--no-wait');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /v9/);
    assert.equal((await lattice_('app', 'deploy', 'edgeapp', '--version', 'v1', '--no-wait')).code, 0);
  });

  it('undeploys and deletes', async () => {
    assert.match((await lattice_('app', 'undeploy', 'edgeapp')).stdout, /edgeapp: undeploying/);
    const del = await lattice_('app', 'delete', 'moonapp');
    assert.equal(del.code, 0, del.stderr);
    const list = await lattice_('-o', 'json', 'app', 'list');
    assert.deepEqual(
      JSON.parse(list.stdout).map((a: { name: string; state: string }) => [a.name, a.state]),
      [['edgeapp', 'reconciling']],
    );
  });
});
