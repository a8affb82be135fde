import type { Command } from 'commander';
import { CliError, withLattice } from '../context.js';
import { emit, parsePairs, renderTable } from '../output.js';

export function register(program: Command): void {
  const config = program.command('config').description('manage named configuration');

  config
    .command('put')
    .argument('<name>', 'config name')
    .argument('<pairs...>', 'key=value pairs')
    .description('create or replace a named config')
    .action(async (name: string, pairs: string[], _opts, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const values = parsePairs(pairs);
        await ctl.putConfig(name, values);
        emit(opts, { name, values }, () => `config ${name} set (${Object.keys(values).length} keys)`);
      }),
    );

  config
    .command('get')
    .argument('<name>', 'config name')
    .description('show a named config')
    .action(async (name: string, _opts, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const values = await ctl.getConfig(name);
        if (values === null) throw new CliError(`config ${name} does not exist (\`lattice config put ${name} KEY=VALUE\` creates it)`);
        emit(opts, values, () => renderTable(['Key', 'Value'], Object.entries(values)));
      }),
    );

  config
    .command('del')
    .alias('delete')
    .argument('<name>', 'config name')
    .description('delete a named config')
    .action(async (name: string, _opts, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        await ctl.deleteConfig(name);
        emit(opts, { name, deleted: true }, () => `config ${name} deleted`);
      }),
    );
}
