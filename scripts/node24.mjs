#!/usr/bin/env node
// Runs test files under Node 24 (the current LTS line: JSPI, SO_REUSEPORT listeners shared by the
// runtime's workers), whatever Node runs this script:
//   node scripts/node24.mjs [SUBSTRING...]      (after npm run build; same filters as run-tests.mjs)
//   node scripts/node24.mjs --path              (prints the Node 24 binary, fetching it first: the
//                                                benchmarks' Node 24 rows use it)
// Node 24 comes from the npm registry (the node-linux-<arch> package), unpacked once into
// ~/.cache/lattice/node-<version>-<arch> (LATTICE_NODE24_DIR overrides), never installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const VERSION = process.env.LATTICE_NODE24_VERSION ?? '24';
const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
if (process.platform !== 'linux' || !arch) {
  console.error(`node24: only linux x64/arm64 builds are fetched here (this is ${process.platform}/${process.arch})`);
  process.exit(2);
}
const root = new URL('..', import.meta.url).pathname;
const dir = process.env.LATTICE_NODE24_DIR ?? join(homedir(), '.cache', 'lattice', `node-${VERSION}-${arch}`);
const node = join(dir, 'bin', 'node');

if (!existsSync(node)) {
  const work = mkdtempSync(join(tmpdir(), 'lattice-node24-'));
  try {
    const pack = spawnSync('npm', ['pack', '--silent', `node-linux-${arch}@${VERSION}`], { cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
    if (pack.status !== 0) throw new Error(`npm pack node-linux-${arch}@${VERSION} failed`);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    mkdirSync(dir, { recursive: true });
    const untar = spawnSync('tar', ['xzf', join(work, tarball), '-C', dir, '--strip-components=1'], { stdio: 'inherit' });
    if (untar.status !== 0) throw new Error('unpacking Node failed');
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    console.error(`node24: ${error.message}`);
    process.exit(1);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--path') {
  console.log(node);
  process.exit(0);
}
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`node24: running tests with ${node} (${version})`);
const result = spawnSync(node, [join(root, 'scripts', 'run-tests.mjs'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
