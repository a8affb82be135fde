/**
 * Worker threads load only what they run: the code under runtime/worker/ must not reach the NATS
 * client, even through protocol/ (which holds both the worker-safe stream pieces and the NATS
 * transport). Type-only imports are erased at build time, so they do not count.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const IMPORT = /^\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

describe('worker thread imports', () => {
  it('never reach the NATS client', () => {
    const paths = new Map<string, string[]>();
    const queue = sources(join(ROOT, 'runtime/worker')).map((f): [string, string[]] => [f, [relative(ROOT, f)]]);
    const offending: string[] = [];
    for (const [file, trail] of queue) {
      if (paths.has(file)) continue;
      paths.set(file, trail);
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const spec = match[1] ?? match[2]!;
        if (spec === 'nats' || spec.startsWith('@nats-io/')) offending.push([...trail, spec].join(' -> '));
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        if (existsSync(target)) queue.push([target, [...trail, relative(ROOT, target)]]);
      }
    }
    assert.ok(paths.size > 10, `followed only ${paths.size} files`);
    assert.deepEqual(offending, []);
  });
});
