/**
 * The componentize-heavy tests (each build takes ~10 s and ~0.8 GB), in one file so that they
 * run one after another.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { buildProject, type Componentizer } from '../../components/tools/build.js';
import { ComponentBuildError } from '../../components/tools/errors.js';
import { componentInterfaces, wasmKind } from '../../components/tools/inspect.js';
import { EXAMPLES_DIR, LATTICE_ROOT } from '../../components/tools/paths.js';
import { newComponentProject, TEMPLATE_NAMES, TEMPLATES } from '../../components/tools/scaffold.js';
import { validateManifestText } from '../../wadm/manifest/mod.js';
import { copyExample, EXPECTED } from './expectations.js';

const run = promisify(execFile);
const BUILD_TIMEOUT = 180_000;

async function checkComponent(wasmPath: string, expected: { imports: string[]; exports: string[]; absent: string[] }): Promise<void> {
  const bytes = await readFile(wasmPath);
  assert.equal(wasmKind(bytes), 'component', `${wasmPath} is not a component`);
  const { imports, exports } = await componentInterfaces(bytes);
  for (const name of expected.imports) assert.ok(imports.includes(name), `${wasmPath} should import ${name}; imports: ${imports.join(', ')}`);
  assert.deepEqual(exports.sort(), [...expected.exports].sort(), `${wasmPath} exports`);
  for (const name of expected.absent) assert.ok(!imports.includes(name), `${wasmPath} must not import ${name}`);
}

test('every example builds into a component whose imports and exports match its world', { timeout: BUILD_TIMEOUT * 4 }, async () => {
  const projects = [...new Set(EXPECTED.map((e) => e.project))];
  for (const project of projects) {
    const results = await buildProject(join(EXAMPLES_DIR, project));
    for (const expected of EXPECTED.filter((e) => e.project === project)) {
      const result = results.find((r) => r.name === expected.name);
      assert.ok(result, `${project} did not build ${expected.name}`);
      await checkComponent(result.wasmPath, expected);
    }
  }
});

test('every example wadm.yaml is a valid manifest deploying the built file', async () => {
  for (const project of new Set(EXPECTED.map((e) => e.project))) {
    const text = await readFile(join(EXAMPLES_DIR, project, 'wadm.yaml'), 'utf8');
    const result = validateManifestText(text);
    assert.equal(result.valid, true, `${project}/wadm.yaml: ${JSON.stringify(result.problems)}`);
    for (const expected of EXPECTED.filter((e) => e.project === project)) {
      assert.match(text, new RegExp(`image: file://\\./build/${expected.name}\\.wasm`));
    }
  }
});

test('a rebuild without changes is a no-op; a change rebuilds', { timeout: BUILD_TIMEOUT * 2 }, async () => {
  const dir = await copyExample('http-hello');
  try {
    const [first] = await buildProject(dir);
    assert.equal(first.skipped, false);
    const before = await stat(first.wasmPath);

    let calls = 0;
    const counting: Componentizer = async () => {
      calls++;
      throw new Error('componentize must not run for unchanged inputs');
    };
    const [second] = await buildProject(dir, { componentize: counting });
    assert.equal(second.skipped, true);
    assert.equal(calls, 0);
    assert.equal((await stat(first.wasmPath)).mtimeMs, before.mtimeMs);

    // A changed source is a new input: the real build runs again.
    const source = join(dir, 'src/index.ts');
    await writeFile(source, (await readFile(source, 'utf8')).replace('Hello, ', 'Hi, '));
    const [third] = await buildProject(dir);
    assert.equal(third.skipped, false);
    assert.notDeepEqual(await readFile(third.wasmPath), undefined);

    // A replaced output is not trusted: the stamp records the output's hash.
    await writeFile(third.wasmPath, 'not a component');
    const [fourth] = await buildProject(dir);
    assert.equal(fourth.skipped, false);
    assert.equal(wasmKind(await readFile(fourth.wasmPath)), 'component');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('`lattice new component` output builds, for every template', { timeout: BUILD_TIMEOUT * 5 }, async () => {
  const parent = await mkdtemp(join(tmpdir(), 'lattice-new-'));
  try {
    // One project through the real CLI (exit code, JSON result on stdout; stderr is a pipe here,
    // so no progress is drawn: progress is for terminals).
    const cli = join(LATTICE_ROOT, 'dist', 'cli', 'main.js');
    await run(process.execPath, [cli, 'new', 'component', 'cli-counter', '--template', 'kv-counter', '--dir', parent]);
    const built = await run(process.execPath, [cli, '-o', 'json', 'build', join(parent, 'cli-counter')], { maxBuffer: 1 << 20 });
    assert.doesNotMatch(built.stderr, /building the component/);
    const [cliResult] = JSON.parse(built.stdout) as Array<{ name: string; wasmPath: string; skipped: boolean }>;
    assert.equal(cliResult.name, 'cli-counter');
    await checkComponent(cliResult.wasmPath, EXPECTED.find((e) => e.name === 'kv-counter')!);

    for (const template of TEMPLATE_NAMES) {
      const name = `my-${template}`;
      const project = await newComponentProject({ name, template, parentDir: parent });
      const manifest = validateManifestText(await readFile(join(project.dir, 'wadm.yaml'), 'utf8'));
      assert.equal(manifest.valid, true, JSON.stringify(manifest.problems));
      assert.match(await readFile(join(project.dir, 'wadm.yaml'), 'utf8'), new RegExp(`image: file://\\./build/${name}\\.wasm`));
      const [result] = await buildProject(project.dir);
      assert.equal(result.name, name);
      const example = EXPECTED.find((e) => e.name === TEMPLATES[template])!;
      await checkComponent(result.wasmPath, example);
    }
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

test('a guest that throws while initialising fails at componentize with its own message', { timeout: BUILD_TIMEOUT }, async () => {
  const dir = await copyExample('echo-messaging');
  try {
    const source = join(dir, 'src/index.ts');
    await writeFile(source, `${await readFile(source, 'utf8')}\nthrow new Error('boom at init');\n`);
    await assert.rejects(buildProject(dir), (error: unknown) => {
      assert.ok(error instanceof ComponentBuildError);
      assert.equal(error.stage, 'componentize');
      assert.match(error.message, /Error: boom at init/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('`lattice new` refuses bad names, unknown templates and non-empty folders', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'lattice-new-'));
  try {
    await assert.rejects(newComponentProject({ name: 'Bad_Name', template: 'http-hello', parentDir: parent }), /invalid component name "Bad_Name"/);
    await assert.rejects(
      newComponentProject({ name: 'ok', template: 'nope' as 'http-hello', parentDir: parent }),
      /unknown template "nope" \(templates: http-hello, kv-counter, blobstore, messaging\)/,
    );
    await newComponentProject({ name: 'taken', template: 'http-hello', parentDir: parent });
    await assert.rejects(newComponentProject({ name: 'taken', template: 'http-hello', parentDir: parent }), /already exists and is not empty/);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
