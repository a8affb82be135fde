/**
 * The folder tree is the architecture only if imports run one way: no module may import itself
 * back through others, with type-only imports counted too (a type cycle is still two modules
 * that cannot be understood, or moved, apart). Tests are left out: they may reach anywhere.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', 'build', '.git', 'test', 'scratch']);
const IMPORT = /^\s*(?:import|export)\s+[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Strongly connected groups of more than one module (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) found.push(group);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('import graph of the sources', () => {
  it('has no cycle, type-only imports included', () => {
    const files = sources(ROOT);
    assert.ok(files.length > 100, `found only ${files.length} source files under ${ROOT}`);
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const deps: string[] = [];
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const target = resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts'));
        if (existsSync(target)) deps.push(target);
      }
      graph.set(file, deps);
    }
    const found = cycles(graph).map((group) =>
      group
        .map((f) => relative(ROOT, f))
        .sort()
        .join(' <-> '),
    );
    assert.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
  });
});
