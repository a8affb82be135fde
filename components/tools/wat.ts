/**
 * Builds WebAssembly components from WAT sources: `jco parse` (WAT to core module), then
 * `componentEmbed` (attach the WIT world named in the source's `;; world: NAME` header) and
 * `componentNew` (wrap into a component). Sources with `;; kind: core` stay core modules (they
 * exist to test refusals). Used by the runtime tests and benchmarks, and runnable directly:
 *
 *   node dist/components/tools/wat.js [OUT_DIR]      # builds every fixture into OUT_DIR
 *
 * Build-time only: jco's wasm-tools read WIT files through preview2-shim's filesystem, which
 * exposes nothing until `_addPreopen('/', '/')` (docs/architecture.md, fact 7). The host never does this.
 */
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { allowWitReads } from './wit-reads.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Where the WAT fixtures and their WIT live (sources, committed). */
export const FIXTURES_SRC = join(repoRoot, 'components', 'fixtures');
/** Default output (gitignored). */
export const FIXTURES_OUT = join(repoRoot, 'build', 'fixtures');

export class WatBuildError extends Error {
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${message}`, options);
    this.name = 'WatBuildError';
  }
}

export interface WatHeader {
  world?: string;
  kind: 'component' | 'core';
}

/** Reads the `;; world: NAME` / `;; kind: core` header lines of a WAT source. */
export function readHeader(wat: string): WatHeader {
  const world = /^;;\s*world:\s*(\S+)/m.exec(wat)?.[1];
  const kind = /^;;\s*kind:\s*core\b/m.test(wat) ? 'core' : 'component';
  return world === undefined ? { kind } : { kind, world };
}

export interface BuildOptions {
  /** Directory holding the WIT package (with deps/) that defines the world. */
  witDir: string;
  /** Replace every `@0.2.0` of the wasi packages (in WAT and WIT) with this version. */
  wasiVersion?: string;
  name?: string;
}

/** Builds one WAT source into component (or core module) bytes. */
export async function buildWat(wat: string, options: BuildOptions): Promise<Uint8Array> {
  const name = options.name ?? 'wat';
  const header = readHeader(wat);
  let source = wat;
  let witDir = options.witDir;
  let tempDir: string | undefined;
  try {
    if (options.wasiVersion) {
      source = source.replaceAll('@0.2.0', `@${options.wasiVersion}`);
      tempDir = await mkdtemp(join(tmpdir(), 'lattice-wit-'));
      await cp(witDir, tempDir, { recursive: true });
      await rewriteVersions(tempDir, options.wasiVersion);
      witDir = tempDir;
    }
    let core: Uint8Array;
    try {
      core = await parse(source);
    } catch (cause) {
      throw new WatBuildError(name, `WAT does not parse: ${String(cause)}`, { cause });
    }
    if (header.kind === 'core') return core;
    if (!header.world) throw new WatBuildError(name, 'missing a ";; world: NAME" header line');
    await allowWitReads();
    try {
      const embedded = await componentEmbed({ binary: core, witPath: witDir, world: header.world });
      return await componentNew(embedded);
    } catch (cause) {
      throw new WatBuildError(name, `component build failed: ${String(cause)}`, { cause });
    }
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

async function rewriteVersions(dir: string, version: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.wit')) continue;
    const path = join(entry.parentPath, entry.name);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replaceAll('@0.2.0', `@${version}`));
  }
}

/** A fixture derived from a source: same WAT, other WASI version. */
interface Variant {
  output: string;
  source: string;
  wasiVersion: string;
}
const VARIANTS: Variant[] = [{ output: 'http-hello-0.2.4', source: 'http-hello', wasiVersion: '0.2.4' }];

/**
 * Builds every `components/fixtures/*.wat` into `outDir/NAME.wasm`, plus derived refusal
 * fixtures: `truncated.wasm` (a component cut short), `pre-1.0.wasm` (a component with an old
 * layer version), `corrupt.wasm` (garbled section contents), `not-wasm.wasm`. Skips the work when the sources have not changed (a digest of
 * every source is stored beside the output). Returns the output directory.
 */
export async function buildFixtures(outDir: string = FIXTURES_OUT): Promise<string> {
  const names = (await readdir(FIXTURES_SRC)).filter((n) => n.endsWith('.wat')).sort();
  const sources = new Map<string, string>();
  for (const n of names) sources.set(n.slice(0, -4), await readFile(join(FIXTURES_SRC, n), 'utf8'));
  const digest = await sourceDigest(sources);
  const stamp = join(outDir, '.sources-digest');
  if ((await readFile(stamp, 'utf8').catch(() => '')) === digest) return outDir;

  const witDir = join(FIXTURES_SRC, 'wit');
  const staging = `${outDir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await buildInto(staging, sources, witDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await writeFile(join(staging, '.sources-digest'), digest);
  await mkdir(dirname(outDir), { recursive: true });
  // Test files run in parallel processes: if another one finished the same build meanwhile, keep
  // its output (its tests may be reading it) and drop ours.
  if ((await readFile(stamp, 'utf8').catch(() => '')) === digest) {
    await rm(staging, { recursive: true, force: true });
    return outDir;
  }
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir).catch(async (cause: NodeJS.ErrnoException) => {
    // Another process built the same fixtures at the same moment: theirs are as good as ours.
    await rm(staging, { recursive: true, force: true });
    if (cause.code !== 'ENOTEMPTY' && cause.code !== 'EEXIST') throw cause;
  });
  return outDir;
}

async function buildInto(staging: string, sources: Map<string, string>, witDir: string): Promise<void> {
  for (const [name, wat] of sources) {
    await writeFile(join(staging, `${name}.wasm`), await buildWat(wat, { witDir, name }));
  }
  for (const v of VARIANTS) {
    const wat = sources.get(v.source);
    if (!wat) throw new WatBuildError(v.output, `variant source ${v.source}.wat is missing`);
    await writeFile(join(staging, `${v.output}.wasm`), await buildWat(wat, { witDir, name: v.output, wasiVersion: v.wasiVersion }));
  }
  const hello = await readFile(join(staging, 'http-hello.wasm'));
  await writeFile(join(staging, 'truncated.wasm'), hello.subarray(0, Math.floor(hello.length * 0.6)));
  const old = Buffer.from(hello);
  old[4] = 0x0a; // the version byte of a pre-1.0 component encoding (1.0 is 0x0d)
  await writeFile(join(staging, 'pre-1.0.wasm'), old);
  await writeFile(join(staging, 'not-wasm.wasm'), 'this is a text file, not WebAssembly\n');
  // Section sizes intact, contents garbled: only a real decoder notices.
  const garbled = Buffer.from(hello);
  const [start, end] = coreModuleSection(garbled);
  garbled.fill(0xff, start + Math.floor((end - start) / 3), start + Math.floor((end - start) / 3) + 32);
  await writeFile(join(staging, 'corrupt.wasm'), garbled);
}

/** Content range of the largest core-module section (id 1) of a component. */
function coreModuleSection(bytes: Uint8Array): [number, number] {
  let best: [number, number] = [8, 8];
  let at = 8;
  while (at < bytes.length) {
    let size = 0;
    let shift = 0;
    let p = at + 1;
    for (;;) {
      const b = bytes[p++]!;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    if (bytes[at] === 1 && size > best[1] - best[0]) best = [p, p + size];
    at = p + size;
  }
  return best;
}

async function sourceDigest(sources: Map<string, string>): Promise<string> {
  const hash = createHash('sha256');
  for (const [name, text] of sources) hash.update(name).update('\0').update(text).update('\0');
  const witDir = join(FIXTURES_SRC, 'wit');
  for (const entry of (await readdir(witDir, { withFileTypes: true, recursive: true })).sort((a, b) =>
    join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)),
  )) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    hash.update(path.slice(witDir.length)).update(await readFile(path));
  }
  // The tool itself: a change to how fixtures are derived rebuilds them.
  hash.update(JSON.stringify(VARIANTS)).update(await readFile(fileURLToPath(import.meta.url)));
  return hash.digest('hex');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildFixtures(process.argv[2] ? resolve(process.argv[2]) : FIXTURES_OUT);
  process.stdout.write(`fixtures built in ${out}\n`);
}
