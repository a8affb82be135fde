#!/usr/bin/env node
// Runs the compiled test files (dist/**/*.test.js) with node's test runner.
//   node scripts/run-tests.mjs [--edge] [--unit] [SUBSTRING...]
// --edge: only the edge/ARM/partition tests; --unit: only the unit tests, i.e. the *.test.ts
// files beside the code they test (not under test/): they start no server or process and build
// no component (test/kit refuses to start servers in this mode); SUBSTRING: only files whose path
// contains one of them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const args = process.argv.slice(2);
const edgeOnly = args.includes('--edge');
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

// A compiled test whose source is gone (deleted or renamed since the last build) is not run: tsc
// does not remove its output, and it would test code that no longer exists.
const hasSource = (f) => existsSync(join(root, f.replace(/^dist\//, '').replace(/\.js$/, '.ts')));
let files = walk(dist)
  .map((f) => relative(root, f))
  .filter(hasSource)
  .sort();
if (edgeOnly) files = files.filter((f) => f.startsWith('dist/test/edge/'));
if (unitOnly) files = files.filter((f) => !f.startsWith('dist/test/'));
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// Nothing may hang a run: a test (or hook) gets at most TEST_TIMEOUT_S, a file whose tests are
// done exits even if a handle leaked (the file still fails where its after() did not finish), and
// the whole run is stopped after TEST_BUDGET_S with the files that were running reported by node.
const testTimeoutMs = Number(process.env.TEST_TIMEOUT_S ?? 600) * 1000;
const budgetMs = Number(process.env.TEST_BUDGET_S ?? 3000) * 1000;
const result = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, `--test-timeout=${testTimeoutMs}`, '--test-force-exit', '--test-reporter=spec', ...files],
  {
    stdio: 'inherit',
    cwd: root,
    timeout: budgetMs,
    killSignal: 'SIGINT',
    // LATTICE_EDGE_SUITE: tests too slow for every `npm test` (an npm install under qemu) run in
    // `npm run test:edge` only, and say so when skipped. LATTICE_TEST_UNIT: test/kit refuses servers.
    env: {
      ...process.env,
      LATTICE_LOG: process.env.LATTICE_LOG ?? 'silent',
      ...(unitOnly ? { LATTICE_TEST_UNIT: '1' } : {}),
      ...(edgeOnly ? { LATTICE_EDGE_SUITE: '1' } : {}),
    },
  },
);
if (result.error?.code === 'ETIMEDOUT') console.error(`tests: stopped after the run's budget of ${budgetMs / 1000} s (TEST_BUDGET_S)`);
process.exit(result.status ?? 1);
