/**
 * `npm run build:examples`: builds every example application under components/examples,
 * sequentially (each componentize-js build takes ~10 s and ~0.8 GB), skipping unchanged ones.
 * Prints progress on stderr and one summary line per component on stdout.
 *
 *   node dist/components/tools/build-examples.js [--force] [EXAMPLE...]
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildProject, type BuildResult } from './build.js';
import { EXAMPLES_DIR } from './paths.js';
import { PROJECT_FILE } from './project.js';

/** The example folders that are component projects (hold a lattice.json). */
export async function exampleProjects(): Promise<string[]> {
  const names: string[] = [];
  for (const entry of (await readdir(EXAMPLES_DIR, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    if (await stat(join(EXAMPLES_DIR, entry.name, PROJECT_FILE)).catch(() => null)) names.push(entry.name);
  }
  return names.sort();
}

export async function buildExamples(options: { force?: boolean; only?: string[] } = {}): Promise<BuildResult[]> {
  const all = await exampleProjects();
  const unknown = (options.only ?? []).filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new Error(`unknown example(s) ${unknown.join(', ')} (examples: ${all.join(', ')})`);
  const selected = options.only && options.only.length > 0 ? options.only : all;
  const results: BuildResult[] = [];
  for (const name of selected) {
    results.push(
      ...(await buildProject(join(EXAMPLES_DIR, name), {
        force: options.force,
        onProgress: (e) => process.stderr.write(`[${e.component} ${e.index}/${e.total}] ${e.message}\n`),
      })),
    );
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  buildExamples({ force: args.includes('--force'), only: args.filter((a) => !a.startsWith('--')) }).then(
    (results) => {
      for (const r of results) {
        const size = `${(r.bytes / (1024 * 1024)).toFixed(2)} MiB`;
        process.stdout.write(
          `${r.name.padEnd(16)} ${r.skipped ? 'unchanged' : 'built    '} ${size.padStart(10)} ${(r.durationMs / 1000).toFixed(1).padStart(6)} s  ${r.wasmPath}\n`,
        );
      }
    },
    (error: unknown) => {
      process.stderr.write(`build:examples failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
