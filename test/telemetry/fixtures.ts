import { rmSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildWat, FIXTURES_SRC } from '../../components/tools/wat.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const SRC = join(REPO, 'test', 'telemetry', 'fixtures');

/** Worlds of the telemetry fixtures, next to the runtime fixtures' package. */
const WORLDS = `
world http-relay-world {
  import upstream;
  export wasi:http/incoming-handler@0.2.0;
}

world kv-upstream-world {
  import wasi:logging/logging@0.1.0-draft;
  import wasi:keyvalue/store@0.2.0-draft;
  import wasi:keyvalue/atomics@0.2.0-draft;
  export upstream;
}
`;

let witDir: Promise<string> | undefined;

async function stageWit(out: string): Promise<string> {
  const dir = join(out, `wit-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await cp(join(FIXTURES_SRC, 'wit'), dir, { recursive: true });
  await cp(join(REPO, 'components', 'wit', 'deps', 'wasi-keyvalue-0.2.0-draft'), join(dir, 'deps', 'keyvalue'), { recursive: true });
  await cp(join(REPO, 'components', 'wit', 'deps', 'wasi-logging-0.1.0-draft'), join(dir, 'deps', 'logging'), { recursive: true });
  await writeFile(join(dir, 'telemetry.wit'), WORLDS);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Builds `test/telemetry/fixtures/NAME.wat` into build/telemetry-fixtures/ and returns its file:// URL. */
export async function telemetryFixture(name: string): Promise<string> {
  const out = join(REPO, 'build', 'telemetry-fixtures');
  await mkdir(out, { recursive: true });
  witDir ??= stageWit(out);
  const bytes = await buildWat(await readFile(join(SRC, `${name}.wat`), 'utf8'), { witDir: await witDir, name });
  // Test files run in parallel processes: write aside, then rename (atomic), same bytes either way.
  const path = join(out, `${name}.wasm`);
  await writeFile(`${path}.${process.pid}`, bytes);
  await rename(`${path}.${process.pid}`, path);
  return pathToFileURL(path).href;
}
