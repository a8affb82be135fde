import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildProject, type Componentizer } from '../../components/tools/build.js';
import { ComponentBuildError } from '../../components/tools/errors.js';
import { copyExample } from './expectations.js';

/** These builds must stop before componentize; reaching it is a test failure. */
const mustNotComponentize: Componentizer = async () => {
  throw new Error('componentize was called although an earlier step should have failed');
};

async function expectBuildError(dir: string, stage: ComponentBuildError['stage']): Promise<ComponentBuildError> {
  try {
    await buildProject(dir, { componentize: mustNotComponentize });
  } catch (error) {
    assert.ok(error instanceof ComponentBuildError, `expected a ComponentBuildError, got ${String(error)}`);
    assert.equal(error.stage, stage, error.message);
    return error;
  }
  assert.fail('the build succeeded');
}

async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const next = text.replace(from, to);
  assert.notEqual(next, text, `edit of ${file} changed nothing`);
  await writeFile(file, next);
}

test('a type error fails the build and shows tsc diagnostics with file and line', async () => {
  const dir = await copyExample('kv-counter');
  try {
    await edit(join(dir, 'src/index.ts'), 'increment(bucket, key, 1n)', "increment(bucket, key, '1')");
    const error = await expectBuildError(dir, 'typecheck');
    assert.match(error.message, /src\/index\.ts\(\d+,\d+\): error TS2345: Argument of type 'string' is not assignable to parameter of type 'bigint'/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an entry that does not provide the world export is a type error naming the export', async () => {
  const dir = await copyExample('echo-messaging');
  try {
    await edit(join(dir, 'src/index.ts'), 'export const handler = {', 'export const handlr = {');
    const error = await expectBuildError(dir, 'typecheck');
    assert.match(error.message, /exports-check\.ts.*Property 'handler' is missing/s);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an explicit incomingHandler is checked against the wasi:http signature', async () => {
  const dir = await copyExample('http-hello');
  try {
    await edit(
      join(dir, 'src/index.ts'),
      'handle(request: IncomingRequest, responseOut: ResponseOutparam): void {',
      'serve(request: IncomingRequest, responseOut: ResponseOutparam): void {',
    );
    const error = await expectBuildError(dir, 'typecheck');
    assert.match(error.message, /exports-check\.ts.*Property 'handle' is missing/s);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a WIT mistake fails at the wit step and names the unknown interface', async () => {
  const dir = await copyExample('http-hello');
  try {
    await edit(join(dir, 'wit/world.wit'), 'import wasi:logging/logging@0.1.0-draft;', 'import wasi:logging/logger@0.1.0-draft;');
    const error = await expectBuildError(dir, 'wit');
    assert.match(error.message, /logger/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a world name missing from the WIT is reported', async () => {
  const dir = await copyExample('http-hello');
  try {
    await edit(join(dir, 'lattice.json'), '"world": "http-hello"', '"world": "nope"');
    const error = await expectBuildError(dir, 'wit');
    assert.match(error.message, /world "nope" is not defined/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an invalid lattice.json lists every problem', async () => {
  const dir = await copyExample('http-hello');
  try {
    await writeFile(join(dir, 'lattice.json'), JSON.stringify({ components: [{ name: 'Bad Name', entry: 'src/index.ts' }], extra: 1 }));
    const error = await expectBuildError(dir, 'config');
    assert.match(error.message, /components\.0\.name/);
    assert.match(error.message, /components\.0\.world/);
    assert.match(error.message, /extra/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a bundling error (missing module) is reported with its location', async () => {
  const dir = await copyExample('http-hello');
  try {
    await edit(
      join(dir, 'src/index.ts'),
      "import { log } from 'wasi:logging/logging@0.1.0-draft';",
      "import { log } from 'wasi:logging/logging@0.1.0-draft';\n// @ts-ignore deliberately missing\nimport './missing.js';",
    );
    const error = await expectBuildError(dir, 'bundle');
    assert.match(error.message, /missing\.js/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
