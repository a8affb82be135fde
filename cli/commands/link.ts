import type { Command } from 'commander';
import { withLattice } from '../context.js';
import { emit } from '../output.js';
import { showLinks } from './get.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Argument order follows `wash link put|del`. */
export function register(program: Command): void {
  const link = program.command('link').description('manage links between components and providers');

  link
    .command('put')
    .argument('<source>', 'source component or provider id')
    .argument('<target>', 'target component or provider id')
    .argument('<namespace>', 'WIT namespace, e.g. wasi')
    .argument('<package>', 'WIT package, e.g. keyvalue')
    .requiredOption('--interface <name>', 'interface (repeatable)', collect)
    .option('--name <name>', 'link name', 'default')
    .option('--source-config <name>', 'named config for the source side (repeatable)', collect)
    .option('--target-config <name>', 'named config for the target side (repeatable)', collect)
    .option('--source-secret <name>', 'secret for the source side (repeatable; see lattice secret)', collect)
    .option('--target-secret <name>', 'secret for the target side (repeatable)', collect)
    .description('create or replace a link')
    .action(
      async (
        source: string,
        target: string,
        namespace: string,
        pkg: string,
        flags: { interface: string[]; name: string; sourceConfig?: string[]; targetConfig?: string[]; sourceSecret?: string[]; targetSecret?: string[] },
        command: Command,
      ) =>
        withLattice(command, async ({ ctl, opts }) => {
          const def = {
            source_id: source,
            target,
            wit_namespace: namespace,
            wit_package: pkg,
            interfaces: flags.interface,
            name: flags.name,
            source_config: flags.sourceConfig ?? [],
            target_config: flags.targetConfig ?? [],
            source_secrets: flags.sourceSecret ?? [],
            target_secrets: flags.targetSecret ?? [],
          };
          await ctl.putLink(def);
          emit(opts, def, () => `link ${source} -> ${target} (${namespace}:${pkg}, name ${flags.name}) put`);
        }),
    );

  link
    .command('del')
    .alias('delete')
    .argument('<source>', 'source id')
    .argument('<namespace>', 'WIT namespace')
    .argument('<package>', 'WIT package')
    .option('--name <name>', 'link name', 'default')
    .option('--target <id>', 'only the link to this target (default: every target under that name)')
    .description('delete a link')
    .action(async (source: string, namespace: string, pkg: string, flags: { name: string; target?: string }, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const req = { source_id: source, wit_namespace: namespace, wit_package: pkg, name: flags.name, target: flags.target };
        await ctl.deleteLink(req);
        emit(opts, { ...req, deleted: true }, () => `link ${source} ${namespace}:${pkg} (name ${flags.name}) deleted`);
      }),
    );

  link
    .command('get')
    .alias('query')
    .description('list links (same as `get links`)')
    .action(async (_opts, command: Command) => showLinks(command));
}
