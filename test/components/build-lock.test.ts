/**
 * Builds of the same component at once must not trample each other's staging folder (the CI
 * failure of session 1: two test files building the pipeline example at the same time).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildProject, type Componentizer } from '../../components/tools/build.js';
import { withBuildLock } from '../../components/tools/build-lock.js';
import { copyExample } from './expectations.js';

const FAKE_COMPONENT = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);

test('two concurrent builds of one component run componentize once; the second skips on the stamp', async () => {
  const dir = await copyExample('http-hello');
  try {
    let calls = 0;
    let running = 0;
    const slow: Componentizer = async () => {
      calls++;
      running++;
      assert.equal(running, 1, 'two componentize calls overlapped');
      await new Promise((resolve) => setTimeout(resolve, 300));
      running--;
      return { component: FAKE_COMPONENT };
    };
    const waits: string[] = [];
    const [a, b] = await Promise.all([
      buildProject(dir, { componentize: slow }),
      buildProject(dir, { componentize: slow, onProgress: (p) => waits.push(p.message) }),
    ]);
    assert.equal(calls, 1);
    assert.deepEqual([a[0].skipped, b[0].skipped].sort(), [false, true]);
    assert.equal(a[0].wasmPath, b[0].wasmPath);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a lock left by a dead process is taken over', async () => {
  const dir = await copyExample('http-hello');
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const lockPath = join(dir, '.lattice', 'ran.lock');
    await mkdir(join(dir, '.lattice'), { recursive: true });
    await writeFile(lockPath, dead.stdout);
    const result = await withBuildLock(lockPath, async () => 'built', { pollMs: 10 });
    assert.equal(result, 'built');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the lock is released when the build throws', async () => {
  const dir = await copyExample('http-hello');
  try {
    const lockPath = join(dir, '.lattice', 'x.lock');
    await assert.rejects(
      withBuildLock(lockPath, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await withBuildLock(lockPath, async () => 2, { pollMs: 10 }), 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
