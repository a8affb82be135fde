/**
 * Comments and docs point only at documents the repository contains: a fact the code relies on is
 * stated in docs/ (a user's clone has nothing beside it), and every `docs/NAME.md` a source file
 * names exists, with the section it quotes.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', 'build', '.git', 'scratch']);

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.(ts|mjs|md)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Lower case, whitespace runs as one space: a quoted section may wrap across comment lines. */
const flat = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ');

describe('document references', () => {
  const all = files(ROOT).map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }));

  it('cite no document from outside the repository', () => {
    const outside = all.filter((f) => f.path !== 'test/repo/doc-references.test.ts' && /\b(design|style)\.md\b/.test(f.text)).map((f) => f.path);
    assert.deepEqual(outside, []);
  });

  it('name docs that exist, and quoted sections those docs have', () => {
    const broken: string[] = [];
    for (const { path, text } of all) {
      for (const match of text.matchAll(/\bdocs\/([a-z-]+\.md)(?:, "([^"]+)")?/g)) {
        const doc = join(ROOT, 'docs', match[1]!);
        if (!existsSync(doc)) broken.push(`${path}: docs/${match[1]} does not exist`);
        else if (match[2] && !flat(readFileSync(doc, 'utf8')).includes(flat(match[2]))) {
          broken.push(`${path}: docs/${match[1]} has no "${match[2]}"`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });
});
