#!/usr/bin/env node
// Run by `prepack` after the build: removes compiled files whose TypeScript source is gone, so a
// tarball never ships a module deleted from the sources (tsc writes dist/ but never cleans it).
// Only orphans are removed: tests running from dist/ meanwhile are not disturbed.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

let removed = 0;
for (const file of walk(dist)) {
  const m = /^(.*)\.js(\.map)?$/.exec(relative(dist, file));
  if (!m) continue;
  if (existsSync(join(root, `${m[1]}.ts`))) continue;
  rmSync(file);
  removed++;
}
if (removed) process.stderr.write(`prune-dist: removed ${removed} compiled file(s) without a source\n`);
