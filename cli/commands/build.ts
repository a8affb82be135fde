import type { Command } from 'commander';
import type { BuildProgress } from '../../components/tools/build.js';
import { ComponentBuildError } from '../../components/tools/errors.js';
import { CliError, globalOptions } from '../context.js';
import { emit, renderTable } from '../output.js';
import { progress } from '../progress.js';

function progressLine(event: BuildProgress): string {
  return `[${event.component} ${event.index}/${event.total}] ${event.message}`;
}

function formatSize(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function register(program: Command): void {
  program
    .command('build')
    .description('Build the TypeScript component project in DIR into build/NAME.wasm (skips unchanged inputs)')
    .argument('[dir]', 'project directory holding lattice.json', '.')
    .option('-f, --force', 'rebuild even if nothing changed')
    .option('-c, --component <name...>', 'build only these components of the project')
    .action(async (dir: string, flags: { force?: boolean; component?: string[] }, command: Command) => {
      const opts = globalOptions(command);
      let results;
      const shown = progress();
      try {
        // The toolchain (TypeScript, esbuild, jco) loads only when a build runs.
        const { buildProject } = await import('../../components/tools/build.js');
        results = await buildProject(dir, {
          force: flags.force,
          only: flags.component,
          // Progress goes to stderr, on a terminal only, so stdout stays the result (table or -o json).
          onProgress: (event) => shown.update(progressLine(event)),
        });
        shown.done();
      } catch (error) {
        shown.done();
        if (error instanceof ComponentBuildError) throw new CliError(`build failed at ${error.stage}: ${error.message}`, { cause: error });
        throw error;
      }
      emit(opts, results, () =>
        renderTable(
          ['COMPONENT', 'STATUS', 'SIZE', 'TIME', 'OUTPUT'],
          results.map((r) => [r.name, r.skipped ? 'unchanged' : 'built', formatSize(r.bytes), `${(r.durationMs / 1000).toFixed(1)} s`, r.wasmPath]),
        ),
      );
    });
}
