/**
 * A clone alone passes: the repository's tracked files (git ls-files, so nothing untracked and
 * nothing beside the checkout) are copied into an empty temporary folder, built there, and every
 * wadm test that reads manifest files runs green there. The folder has no sibling `shared/`, so
 * the compatibility suite must report itself skipped, with its reason. node_modules is linked,
 * not installed: what is tested is the repository's content, not npm.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const SELF = 'fresh-clone.test.ts';

/** The tracked files, or why they cannot be listed (not a git checkout: nothing to prove). */
function trackedFiles(): { files: string[]; reason: null } | { files: null; reason: string } {
  const r = spawnSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.error || r.status !== 0) return { files: null, reason: `not a git checkout, no tracked files to copy (${r.error?.message ?? r.stderr.trim()})` };
  return { files: r.stdout.split('\0').filter(Boolean), reason: null };
}

/** The wadm test files that read manifest files (they import manifest-files.ts), by source. */
function manifestTests(): string[] {
  const dir = join(repoRoot, 'test', 'wadm');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts') && f !== SELF)
    .filter((f) => readFileSync(join(dir, f), 'utf8').includes("from './manifest-files.js'"))
    .sort();
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const tracked = trackedFiles();

describe('a fresh clone of the repository', { timeout: 600_000 }, () => {
  const parent = mkdtempSync(join(tmpdir(), 'lattice-clone-'));
  const clone = join(parent, 'lattice');
  after(() => rmSync(parent, { recursive: true, force: true }));

  it('runs the wadm tests that read manifest files green, with no folder beside it', { skip: tracked.reason ?? false, timeout: 600_000 }, async () => {
    for (const file of tracked.files!) {
      const from = join(repoRoot, file);
      if (!existsSync(from)) continue; // deleted in the working tree, not yet committed
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      cpSync(from, join(clone, file), { recursive: true, verbatimSymlinks: true });
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'), 'dir');
    assert.deepEqual(readdirSync(parent), ['lattice'], 'nothing beside the copy');

    // What a test run inherits that would point back at this checkout or nest badly.
    const env: NodeJS.ProcessEnv = { ...process.env, TEST_CONCURRENCY: '1' };
    delete env.LATTICE_MANIFEST_CORPUS;
    delete env.NODE_TEST_CONTEXT;

    const build = await run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], clone, env);
    assert.equal(build.code, 0, `build failed:\n${build.output}`);

    const tests = manifestTests();
    assert.ok(tests.includes('manifest-fixtures.test.ts') && tests.includes('manifest-corpus.test.ts'), tests.join(', '));
    const compiled = tests.map((f) => `dist/test/wadm/${f.replace(/\.ts$/, '.js')}`);
    const r = await run(process.execPath, ['scripts/run-tests.mjs', ...compiled], clone, env);
    const tail = r.output.split('\n').slice(-60).join('\n');
    assert.equal(r.code, 0, `tests failed in the copy:\n${tail}`);
    assert.match(r.output, /ℹ fail 0/, tail);
    assert.match(r.output, /ℹ pass [1-9]/, tail);
    assert.match(r.output, /manifest compatibility corpus .*# no manifest compatibility corpus: LATTICE_MANIFEST_CORPUS is not set/, tail);
    assert.doesNotMatch(r.output, /ENOENT/, tail);
  });
});
