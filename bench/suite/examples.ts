/** Images the benchmarks run: WAT fixtures and the TypeScript examples (built on demand, cached by stamps). */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildProject } from '../../components/tools/build.js';
import { EXAMPLES_DIR } from '../../components/tools/paths.js';
import { buildFixtures, buildWat, FIXTURES_SRC } from '../../components/tools/wat.js';

let fixturesDir: Promise<string> | undefined;

/** `file://` URL of a WAT fixture from components/fixtures. */
export async function watImage(name: string): Promise<string> {
  fixturesDir ??= buildFixtures();
  return pathToFileURL(join(await fixturesDir, `${name}.wasm`)).href;
}

export async function watPath(name: string): Promise<string> {
  fixturesDir ??= buildFixtures();
  return join(await fixturesDir, `${name}.wasm`);
}

/** Path of the first component of a TypeScript example (a first build takes ~10 s). */
export async function examplePath(project: string): Promise<string> {
  const [result] = await buildProject(join(EXAMPLES_DIR, project));
  if (!result) throw new Error(`example ${project} has no component`);
  return result.wasmPath;
}

export async function exampleImage(project: string): Promise<string> {
  return pathToFileURL(await examplePath(project)).href;
}

/** Load settings: the full run, or the smoke run that only proves the benchmark executes. */
export function loadSettings(smoke: boolean, log: (m: string) => void) {
  return smoke ? { connections: 5, seconds: 1, rounds: 1, warmupSeconds: 0, log } : { connections: 50, seconds: 5, rounds: 3, warmupSeconds: 2, log };
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BENCH_WORLDS = `
world kv-counter-world {
  import wasi:keyvalue/store@0.2.0-draft;
  import wasi:keyvalue/atomics@0.2.0-draft;
  export wasi:http/incoming-handler@0.2.0;
}
`;

/**
 * `file://` URL of a bench/fixtures WAT component, built against the runtime fixtures' WIT
 * package plus wasi:keyvalue and the worlds above (into build/bench-fixtures/).
 */
export async function benchFixture(name: string): Promise<string> {
  const out = join(REPO, 'build', 'bench-fixtures');
  const witDir = join(out, 'wit');
  await rm(witDir, { recursive: true, force: true });
  await cp(join(FIXTURES_SRC, 'wit'), witDir, { recursive: true });
  await cp(join(REPO, 'components', 'wit', 'deps', 'wasi-keyvalue-0.2.0-draft'), join(witDir, 'deps', 'keyvalue'), { recursive: true });
  await writeFile(join(witDir, 'bench.wit'), BENCH_WORLDS);
  const bytes = await buildWat(await readFile(join(REPO, 'bench', 'fixtures', `${name}.wat`), 'utf8'), { witDir, name });
  const path = join(out, `${name}.wasm`);
  await writeFile(path, bytes);
  return pathToFileURL(path).href;
}
