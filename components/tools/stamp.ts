import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { GUEST_GLOBALS_DTS, PLATFORM_WIT_DEPS } from './paths.js';

/** Bump when the build steps change in a way that changes the output for the same inputs. */
const BUILDER_REVISION = 1;

/** Folders of a project that are outputs or tooling state, never build inputs. */
const SKIPPED_DIRS = new Set(['node_modules', 'build', '.lattice', '.git', 'dist']);

/** Project files that do not go into the component: docs and deployment manifests. */
const NOT_INPUT = /\.(md|ya?ml)$/i;

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The versions that decide what a given source becomes. */
export function toolchainVersions(): Record<string, string> {
  return {
    builder: String(BUILDER_REVISION),
    'componentize-js': packageVersion('@bytecodealliance/componentize-js'),
    jco: packageVersion('@bytecodealliance/jco'),
    esbuild: packageVersion('esbuild'),
    typescript: packageVersion('typescript'),
  };
}

async function listFiles(dir: string, skip: Set<string>, out: string[] = []): Promise<string[]> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skip.has(entry.name) && !entry.name.startsWith('.')) await listFiles(join(dir, entry.name), skip, out);
    } else if (entry.isFile() && !NOT_INPUT.test(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/**
 * A content hash over everything a component build reads: the project's files (sources, WIT,
 * lattice.json; outputs, node_modules, docs and manifests excluded), the platform WIT, the guest globals, the
 * component's settings and the toolchain versions. Equal hash: the output would be the same.
 */
export async function inputsHash(projectDir: string, outDirName: string, settings: unknown): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ toolchain: toolchainVersions(), settings }));
  const skip = new Set([...SKIPPED_DIRS, outDirName]);
  const groups: Array<[string, string[]]> = [
    ['project', await listFiles(projectDir, skip)],
    ['platform-wit', await listFiles(PLATFORM_WIT_DEPS, new Set())],
  ];
  for (const [label, files] of groups) {
    const base = label === 'project' ? projectDir : PLATFORM_WIT_DEPS;
    for (const file of files.sort()) {
      hash.update(`\0${label}:${relative(base, file)}\0`);
      hash.update(await readFile(file));
    }
  }
  hash.update(await readFile(GUEST_GLOBALS_DTS));
  return hash.digest('hex');
}

export interface Stamp {
  inputs: string;
  /** sha256 of the .wasm written, so a replaced or truncated output is rebuilt. */
  output: string;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function readStamp(path: string): Promise<Stamp | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<Stamp>;
    return typeof parsed.inputs === 'string' && typeof parsed.output === 'string' ? { inputs: parsed.inputs, output: parsed.output } : null;
  } catch {
    return null;
  }
}

export async function writeStamp(path: string, stamp: Stamp): Promise<void> {
  await writeFile(path, `${JSON.stringify(stamp, null, 2)}\n`);
}
