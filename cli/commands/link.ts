import type { Command } from 'commander';
import { Link, LinkDelRequest } from '../../protocol/schemas/links.js';
import { withLattice } from '../context.js';
import { emit, collectList } from '../output.js';
import { checkArguments } from '../validate.js';
import { showLinks } from './get.js';

/** Which argument each link field comes from, and how to give several. */
const LINK_ARGUMENTS = {
  source_id: '<source>',
  target: '<target>',
  wit_namespace: '<namespace>, e.g. wasi',
  wit_package: '<package>, e.g. keyvalue',
  interfaces: '--interface; several: --interface a,b or repeat --interface',
  name: '--name',
  source_config: '--source-config',
  target_config: '--target-config',
  source_secrets: '--source-secret',
  target_secrets: '--target-secret',
};

/** Argument order follows `wash link put|del`. */
export function register(program: Command): void {
  const link = program.command('link').description('manage links between components and providers');

  link
    .command('put')
    .argument('<source>', 'source component or provider id')
    .argument('<target>', 'target component or provider id')
    .argument('<namespace>', 'WIT namespace, e.g. wasi')
    .argument('<package>', 'WIT package, e.g. keyvalue')
    .requiredOption('--interface <name>', 'interface (repeatable, or comma-separated: store,atomics)', collectList)
    .option('--name <name>', 'link name', 'default')
    .option('--source-config <name>', 'named config for the source side (repeatable or comma-separated)', collectList)
    .option('--target-config <name>', 'named config for the target side (repeatable or comma-separated)', collectList)
    .option('--source-secret <name>', 'secret for the source side (repeatable or comma-separated; see lattice secret)', collectList)
    .option('--target-secret <name>', 'secret for the target side (repeatable or comma-separated)', collectList)
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
          const def = checkArguments(
            Link,
            {
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
            },
            LINK_ARGUMENTS,
          );
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
        const req = checkArguments(
          LinkDelRequest,
          { source_id: source, wit_namespace: namespace, wit_package: pkg, name: flags.name, target: flags.target },
          { ...LINK_ARGUMENTS, target: '--target' },
        );
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
