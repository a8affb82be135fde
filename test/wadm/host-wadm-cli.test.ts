/**
 * The way users run it: `lattice host --wadm` (what `lattice up` starts) and `lattice app deploy
 * ./dir/wadm.yaml` whose image is `file://./build/...` relative to the manifest, from another
 * working directory. The deploy waits for `deployed`; undeploy stops the component.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from 'nats';
import { stringify } from 'yaml';
import { createControlClient } from '../../protocol/mod.js';
import { CLI_MAIN } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

describe('lattice host --wadm and lattice app deploy', { timeout: 90_000 }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let host: ChildProcess;
  let dir: string;
  let stdout = '';

  const cli = (cwd: string, ...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI_MAIN, '--nats-url', server.url, ...args],
        { cwd, timeout: 60_000, env: { ...process.env, NODE_TEST_CONTEXT: undefined, LATTICE_LOG: 'silent' } },
        (error, out, err) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out, stderr: err });
        },
      );
    });

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    dir = await mkdtemp(join(tmpdir(), 'lattice-host-wadm-'));
    host = spawn(process.execPath, [CLI_MAIN, '--nats-url', server.url, 'host', '--wadm', '--data-dir', join(dir, 'data'), '--label', 'zone=edge'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, LATTICE_LOG: 'warn' },
    });
    host.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    await waitFor('the host with wadm to start', () => /joined lattice "default" \(with wadm wadm-/.test(stdout), { timeoutMs: 20_000 });
  });
  after(async () => {
    host?.kill('SIGTERM');
    await new Promise((r) => (host.exitCode !== null ? r(null) : host.once('exit', r)));
    await nc?.close();
    await server?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('deploys a manifest whose image is relative to it, waits for deployed, and undeploys', { timeout: 60_000 }, async () => {
    const project = join(dir, 'project');
    await mkdir(join(project, 'build'), { recursive: true });
    await copyFile(fileURLToPath(await fixture('http-hello')), join(project, 'build', 'hello.wasm'));
    await writeFile(
      join(project, 'wadm.yaml'),
      stringify({
        apiVersion: 'core.oam.dev/v1beta1',
        kind: 'Application',
        metadata: { name: 'rel', annotations: { version: 'v1' } },
        spec: {
          components: [
            {
              name: 'hello',
              type: 'component',
              properties: { image: 'file://./build/hello.wasm' },
              traits: [{ type: 'spreadscaler', properties: { instances: 3 } }],
            },
          ],
        },
      }),
    );
    // Run from the parent directory: the image must resolve against the manifest, not the cwd.
    const deployed = await cli(dir, 'app', 'deploy', 'project/wadm.yaml', '-o', 'json');
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.equal(JSON.parse(deployed.stdout).state, 'deployed');

    const ctl = createControlClient(nc, 'default');
    const [info] = await ctl.pingHosts();
    const inv = await ctl.getInventory(info!.id);
    const hello = inv.components.find((c) => c.id === 'rel-hello');
    assert.equal(hello?.max_instances, 3);
    assert.equal(hello?.image_ref, `file://${join(project, 'build', 'hello.wasm')}`);

    const undeployed = await cli(dir, 'app', 'undeploy', 'rel');
    assert.equal(undeployed.code, 0, undeployed.stderr);
    await waitFor('the component to stop', async () => !(await ctl.getInventory(info!.id)).components.some((c) => c.id === 'rel-hello'));
  });
});
