import type { Command } from 'commander';
import { withLattice } from '../context.js';
import { emit, parsePairs } from '../output.js';

export function register(program: Command): void {
  const label = program.command('label').description("change a host's labels");

  label
    .command('put')
    .argument('<host-id>', 'host id')
    .argument('<pairs...>', 'key=value labels')
    .description('add or replace labels on a host')
    .action(async (hostId: string, pairs: string[], _opts, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const labels = parsePairs(pairs, 'label');
        for (const [key, value] of Object.entries(labels)) await ctl.putLabel(hostId, key, value);
        emit(opts, { host_id: hostId, labels }, () => `labels set on ${hostId}`);
      }),
    );

  label
    .command('del')
    .alias('delete')
    .argument('<host-id>', 'host id')
    .argument('<keys...>', 'label keys (key or key=value)')
    .description('remove labels from a host')
    .action(async (hostId: string, keys: string[], _opts, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const names = keys.map((k) => (k.includes('=') ? k.slice(0, k.indexOf('=')) : k));
        for (const key of names) await ctl.deleteLabel(hostId, key);
        emit(opts, { host_id: hostId, deleted: names }, () => `labels ${names.join(', ')} removed from ${hostId}`);
      }),
    );
}
