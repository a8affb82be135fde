/**
 * The project as operators get it: `npm pack` of this checkout (which builds through `prepack`),
 * and `npm install -g --prefix DIR TARBALL` into an empty prefix. Both run the real npm.
 */
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = new URL('../../..', import.meta.url).pathname;
export const PACKAGE_NAME = '@lattice-run/lattice';
/** Packing runs the build; installing unpacks ~200 packages. Generous for a busy 2-core machine. */
const NPM_TIMEOUT_MS = 300_000;

/** npm's own entry script, so it can be run by another node (the arm64 one under qemu). */
export function npmCliPath(): string {
  const beside = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (existsSync(beside)) return beside;
  const onPath = (process.env.PATH ?? '')
    .split(':')
    .map((d) => join(d, 'npm'))
    .find((p) => existsSync(p));
  if (!onPath) throw new Error('npm is not installed');
  return realpathSync(onPath);
}

/** `npm pack` of the checkout into a new temporary folder; the tarball's path. */
export async function packProject(): Promise<string> {
  const dest = await mkdtemp(join(tmpdir(), 'lattice-pack-'));
  await run('npm', ['pack', '--pack-destination', dest, '--loglevel=error'], {
    cwd: REPO_ROOT,
    timeout: NPM_TIMEOUT_MS,
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });
  const tarballs = (await readdir(dest)).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.join(', ') || 'nothing'} in ${dest}`);
  return join(dest, tarballs[0]!);
}

/** The file names inside a tarball (without npm's `package/` prefix). */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}

export interface InstallOptions {
  /** How npm is run: plain (default), or `node npm-cli.js` with another node. */
  command?: string;
  prefixArgs?: string[];
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
}

/** `npm install -g --prefix PREFIX TARBALL`, as an operator runs it (from npm's cache where it can). */
export async function installTarball(tarball: string, prefix: string, opts: InstallOptions = {}): Promise<string> {
  const args = [
    ...(opts.prefixArgs ?? []),
    'install',
    '-g',
    '--prefix',
    prefix,
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--loglevel=error',
    ...(opts.extraArgs ?? []),
    tarball,
  ];
  const { stdout, stderr } = await run(opts.command ?? 'npm', args, {
    timeout: NPM_TIMEOUT_MS * 2,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, ...opts.env },
  });
  return `${stdout}${stderr}`;
}

/** Where an install into `prefix` puts the package and its `lattice` command. */
export function installed(prefix: string): { bin: string; pkg: string; main: string } {
  const pkg = join(prefix, 'lib', 'node_modules', ...PACKAGE_NAME.split('/'));
  return { bin: join(prefix, 'bin', 'lattice'), pkg, main: join(pkg, 'dist', 'cli', 'main.js') };
}
