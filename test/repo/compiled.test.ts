/**
 * Every TypeScript file of the project is compiled: a folder missing from tsconfig.json's
 * `include` still builds when other code imports from it, but its unit tests are never compiled,
 * so `npm test` silently stops running them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', 'build', 'scratch']);

function typescript(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) typescript(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(ROOT, path));
  }
  return out;
}

describe('the build', () => {
  it('compiles every TypeScript file the project has (tsconfig.json include and exclude)', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[]; exclude: string[] };
    // The excluded folders hold sources other toolchains build (examples, templates, fixtures).
    const excluded = (file: string): boolean =>
      config.exclude.some((pattern) => {
        const bare = pattern.replace(/^\*\*\//, '').replace(/\/\*\*$/, '');
        return pattern.startsWith('**/') ? file.split('/').includes(bare) : file === bare || file.startsWith(`${bare}/`);
      });
    const included = (file: string): boolean => config.include.some((dir) => file === dir || file.startsWith(`${dir}/`));
    const missing = typescript(ROOT).filter((file) => !excluded(file) && !included(file));
    assert.deepEqual(missing, [], `not compiled (add their folder to tsconfig.json include): ${missing.join(', ')}`);
  });
});
