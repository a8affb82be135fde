/**
 * The package as an operator installs it: `npm pack` (prepack builds), `npm install -g --prefix`
 * into an empty prefix, then the installed `lattice`: --version, `host` joining a test lattice,
 * and the CLI commands that make that host serve a WAT component through the http-server
 * provider, answered over loopback HTTP. Nothing is compiled on the target.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { launchHostProcess, type HostProcess } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { installed, installTarball, packProject, PACKAGE_NAME, REPO_ROOT, tarballFiles } from '../kit/package.js';
import { freePort } from '../kit/ports.js';
import { waitFor } from '../kit/wait.js';
import { fixture } from '../runtime/helpers.js';

const run = promisify(execFile);

describe('npm pack, npm install -g --prefix, and the installed lattice', { timeout: 600_000 }, () => {
  let work: string;
  let tarball: string;
  let bin: string;
  let pkg: string;
  let server: NatsServer;
  let host: HostProcess | undefined;
  /** PATH with only the installed bin folder and node's: what `lattice` finds is the installed one. */
  let env: NodeJS.ProcessEnv;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'lattice-install-'));
    tarball = await packProject();
    await installTarball(tarball, join(work, 'prefix'));
    ({ bin, pkg } = installed(join(work, 'prefix')));
    env = {
      ...process.env,
      PATH: `${dirname(bin)}:${dirname(process.execPath)}:/usr/bin:/bin`,
      LATTICE_DATA_DIR: join(work, 'data'),
      NODE_TEST_CONTEXT: undefined,
    };
    server = await NatsServer.start();
  });

  after(async () => {
    host?.kill('SIGTERM');
    await host?.waitForExit(20_000).catch(() => host?.dispose());
    await server?.dispose();
    await rm(work, { recursive: true, force: true });
    await rm(dirname(tarball), { recursive: true, force: true });
  });

  const lattice = (...args: string[]) => run(bin, ['--nats-url', server.url, ...args], { env, timeout: 60_000 });

  it('packs compiled JS, the WIT packages and the templates; no tests, sources or maps', async () => {
    const files = await tarballFiles(tarball);
    for (const needed of [
      'package.json',
      'README.md',
      'dist/cli/main.js',
      'dist/host/mod.js',
      'dist/providers/sdk/process-main.js',
      'components/wit/deps/wasi-http-0.2.10/types.wit',
      'components/examples/http-hello/wadm.yaml',
    ]) {
      assert.ok(files.includes(needed), `${needed} is not in the tarball`);
    }
    const unwanted = files.filter(
      (f) => /^dist\/(test|bench)\/|\.test\.js$|\.map$|tsbuildinfo|^(test|host|cli|protocol|wadm|providers|lib|scripts|bench)\//.test(f) || f.endsWith('.wasm'),
    );
    assert.deepEqual(unwanted, []);
    const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as {
      name: string;
      scripts?: Record<string, string>;
      bin: Record<string, string>;
    };
    assert.equal(manifest.name, PACKAGE_NAME);
    assert.deepEqual(manifest.bin, { lattice: 'dist/cli/main.js' });
    // Nothing runs on the target at install time: no build, no compiler.
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(manifest.scripts?.[hook], undefined, `${hook} script`);
  });

  it('lattice --version answers the package version', async () => {
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await run(bin, ['--version'], { env });
    assert.equal(stdout.trim(), version);
    assert.ok(existsSync(join(pkg, 'dist', 'cli', 'main.js')));
  });

  it('lattice host joins the lattice and serves a component through the http-server provider', async () => {
    host = await launchHostProcess({
      command: bin,
      args: ['--nats-url', server.url, 'host', '--name', 'installed', '--label', 'from=tarball'],
      baseEnv: env,
      lattice: 'default',
      startTimeoutMs: 60_000,
    });
    const hosts = JSON.parse((await lattice('get', 'hosts', '-o', 'json')).stdout) as Array<{ id: string; labels: Record<string, string> }>;
    assert.deepEqual(
      hosts.map((h) => [h.id, h.labels.from]),
      [[host.hostId, 'tarball']],
    );

    const port = await freePort();
    await lattice('scale', 'component', 'hello', await fixture('http-hello'), '--count', '1', '--host', host.hostId);
    await lattice('start', 'provider', 'http', 'ghcr.io/wasmcloud/http-server:0.23.0', '--host', host.hostId);
    await lattice('config', 'put', 'web', `address=127.0.0.1:${port}`);
    await lattice('link', 'put', 'http', 'hello', 'wasi', 'http', '--interface', 'incoming-handler', '--source-config', 'web');
    const body = await waitFor(
      'the installed host to answer HTTP',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/installed`, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
        return res?.status === 200 ? await res.text() : null;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.match(body, /hello/i);
  });

  it('install-service points the unit at the installed CLI', async () => {
    const { stdout } = await run(bin, ['host', 'install-service', '--dry-run', '--label', 'zone=edge'], { env });
    assert.match(stdout, new RegExp(`^ExecStart=${process.execPath} ${join(pkg, 'dist', 'cli', 'main.js')} host --label zone=edge$`, 'm'));
  });
});
