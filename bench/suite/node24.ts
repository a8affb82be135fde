/**
 * The Node 24 rows: the same paths served by a `lattice host` process running Node 24 (JSPI, every
 * runtime worker listening), next to the suite's own Node rows in the same run. Node 24 comes from
 * the npm registry as `npm run test:node24` fetches it (scripts/node24.mjs); the rows are left out,
 * with the reason in the notes, where it cannot be had.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnHostProcess, type HostProcess } from '../../test/kit/hosts.js';
import { freePort } from '../../test/kit/ports.js';
import { waitFor } from '../../test/kit/wait.js';
import type { BenchLattice } from './lattice.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const run = promisify(execFile);

/** The Node 24 binary, or why there is none (the bench then runs without its rows). */
export async function node24(): Promise<{ path: string; version: string } | { path: null; why: string }> {
  if (Number(process.versions.node.split('.')[0]) >= 24) return { path: process.execPath, version: process.version };
  try {
    const { stdout } = await run(process.execPath, [join(REPO, 'scripts', 'node24.mjs'), '--path'], { timeout: 300_000 });
    const path = stdout.trim().split('\n').at(-1)!;
    const { stdout: version } = await run(path, ['--version']);
    return { path, version: version.trim() };
  } catch (error) {
    return { path: null, why: `no Node 24 binary: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}` };
  }
}

/** A host process on Node 24 in the bench lattice, stopped with it; its http-server is `providerId`. */
export async function node24Host(lattice: BenchLattice, node: string, providerId: string): Promise<HostProcess> {
  const host = await spawnHostProcess(lattice.server.url, { name: 'node24-host', node, env: { LATTICE_LOG: process.env.LATTICE_LOG ?? 'warn' } });
  lattice.onStop(() => host.dispose());
  await lattice.ctl.startProvider(host.hostId, { provider_id: providerId, provider_ref: 'wasmcloud+builtin://http-server' }, { timeoutMs: 30_000 });
  return host;
}

/**
 * A bare Node 24 `http` server (the Node 24 rows' baseline) in its own process: `handler` is the
 * source of a `(req, res) => ...` function, after `prelude` (declarations it uses).
 */
export async function bareNode24Server(node: string, prelude: string, handler: string): Promise<{ url: (path: string) => string; close(): Promise<void> }> {
  const port = await freePort();
  const source = `${prelude}\nrequire('node:http').createServer(${handler}).listen(${port}, '127.0.0.1');`;
  const child: ChildProcess = spawn(node, ['-e', source], { stdio: 'ignore' });
  const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
  await waitFor('the bare Node 24 server', async () => (await fetch(url('/')).catch(() => null))?.status === 200, { timeoutMs: 10_000 });
  return {
    url,
    close: async () => {
      child.kill();
    },
  };
}
