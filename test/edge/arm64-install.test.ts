/**
 * The package installed as on a Raspberry Pi: the tarball `npm pack` makes, installed by npm run
 * with the arm64 Node.js under qemu (so npm picks the arm64 builds of the native optional
 * packages itself), then the installed `lattice` run by that Node: --version, and `host` joining
 * a test lattice and serving a WAT component through the http-server provider over loopback HTTP.
 *
 * Install scripts are skipped (--ignore-scripts): esbuild's postinstall executes its arm64 binary
 * to check it, which qemu user mode cannot do without binfmt_misc (on a Pi it runs natively).
 * `lattice host` needs no install script: the checks below show what npm fetched instead.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { connect, type NatsConnection } from 'nats';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import { prepareArm64Node, type Arm64Node } from '../kit/edge/arm64.js';
import { launchHostProcess, type HostProcess } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { installed, installTarball, npmCliPath, packProject, REPO_ROOT } from '../kit/package.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

const run = promisify(execFile);
const edgeSuite = process.env.LATTICE_EDGE_SUITE === '1';
const arm = edgeSuite ? await prepareArm64Node() : 'runs in `npm run test:edge` only (npm unpacking ~200 packages under qemu takes minutes)';
const skip = typeof arm === 'string' ? `skipped: ${arm}` : false;
if (skip) process.stdout.write(`# arm64 install test ${skip}\n`);

/** A `node` that is the arm64 build under qemu, first on PATH: npm, the `lattice` shebang and child processes find it. */
async function arm64NodeOnPath(a: Arm64Node, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const wrapper = join(dir, 'node');
  await writeFile(wrapper, `#!/bin/sh\nexec ${a.qemu} -L ${a.sysroot} ${a.node} "$@"\n`);
  await chmod(wrapper, 0o755);
  return wrapper;
}

describe('the npm tarball installed and run by arm64 Node.js under qemu', { skip, timeout: 1_200_000 }, () => {
  let work: string;
  let tarball: string;
  let bin: string;
  let pkg: string;
  let env: NodeJS.ProcessEnv;
  let server: NatsServer;
  let nc: NatsConnection;
  let ctl: ControlClient;
  let host: HostProcess | undefined;

  before(async () => {
    const a = arm as Arm64Node;
    work = await mkdtemp(join(tmpdir(), 'lattice-arm64-install-'));
    const node = await arm64NodeOnPath(a, join(work, 'arm64-bin'));
    // No NODE_PATH: the arm64 native bindings must come from this install, not from the test cache.
    env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}`, NODE_PATH: undefined, LATTICE_DATA_DIR: join(work, 'data') };
    tarball = await packProject();
    await installTarball(tarball, join(work, 'prefix'), { command: node, prefixArgs: [npmCliPath()], env, extraArgs: ['--ignore-scripts'] });
    ({ bin, pkg } = installed(join(work, 'prefix')));
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    ctl = createControlClient(nc, 'default', { timeoutMs: 240_000 });
  });

  after(async () => {
    host?.kill('SIGTERM');
    await host?.waitForExit(60_000).catch(() => host?.dispose());
    await nc?.close();
    await server?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
    if (tarball) await rm(dirname(tarball), { recursive: true, force: true });
  });

  it('npm fetched the arm64 builds of the native optional packages, not the x64 ones', () => {
    const modules = join(pkg, 'node_modules');
    for (const arm64 of ['@esbuild/linux-arm64', '@oxc-minify/binding-linux-arm64-gnu', '@bytecodealliance/jco-node-fs-linux-arm64-gnu']) {
      assert.ok(existsSync(join(modules, arm64, 'package.json')), `${arm64} is not installed`);
    }
    for (const x64 of ['@esbuild/linux-x64', '@oxc-minify/binding-linux-x64-gnu', '@bytecodealliance/jco-node-fs-linux-x64-gnu']) {
      assert.ok(!existsSync(join(modules, x64)), `${x64} should not be installed on arm64`);
    }
  });

  it('lattice --version runs on the arm64 Node', async () => {
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await run(bin, ['--version'], { env, timeout: 120_000 });
    assert.equal(stdout.trim(), version);
    const { stdout: arch } = await run('node', ['-p', 'process.arch'], { env, timeout: 60_000 });
    assert.equal(arch.trim(), 'arm64');
  });

  it('lattice host joins as aarch64 and serves a component through the http-server provider', { timeout: 600_000 }, async () => {
    host = await launchHostProcess({
      command: bin,
      args: ['--nats-url', server.url, 'host', '--name', 'pi', '--label', 'zone=edge', '--max-memory', '256'],
      baseEnv: env,
      lattice: 'default',
      startTimeoutMs: 180_000,
    });
    const inventory = await ctl.getInventory(host.hostId);
    assert.equal(inventory.labels['hostcore.arch'], 'aarch64');
    assert.equal(inventory.labels.zone, 'edge');

    const port = await freePort();
    await ctl.scaleComponent(host.hostId, { component_id: 'hello', image_ref: await fixture('http-hello'), count: 1 });
    await ctl.startProvider(host.hostId, { provider_id: 'http', provider_ref: 'ghcr.io/wasmcloud/http-server:0.23.0' });
    await ctl.putConfig('web', { address: `127.0.0.1:${port}` });
    await ctl.putLink({
      source_id: 'http',
      target: 'hello',
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: ['web'],
    });
    const body = await waitFor(
      'the arm64 host to answer HTTP',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/pi`, { signal: AbortSignal.timeout(60_000) }).catch(() => null);
        return res?.status === 200 ? await res.text() : null;
      },
      { timeoutMs: 300_000, intervalMs: 1_000 },
    );
    assert.match(body, /hello/i);
  });
});
