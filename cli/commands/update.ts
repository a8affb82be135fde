import type { Command } from 'commander';
import { CliError, withLattice } from '../context.js';
import { imageArgument } from '../image-ref.js';
import { emit } from '../output.js';

export function register(program: Command): void {
  const update = program.command('update').description('update running components');
  update
    .command('component')
    .argument('<component-id>', 'component id')
    .argument('<image>', 'new image reference')
    .option('--host <host-id>', 'only on this host (default: every host that runs it)')
    .description('replace the image of a running component in place, without dropping requests')
    .action(async (componentId: string, image: string, flags: { host?: string }, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const imageRef = imageArgument(image);
        const hosts: string[] = [];
        for (const h of await ctl.pingHosts()) {
          if (flags.host && h.id !== flags.host) continue;
          if ((await ctl.getInventory(h.id)).components.some((c) => c.id === componentId)) hosts.push(h.id);
        }
        if (hosts.length === 0) throw new CliError(`component ${componentId} is not running on any host`);
        for (const hostId of hosts) await ctl.updateComponent(hostId, { component_id: componentId, new_image_ref: imageRef }, { timeoutMs: 60_000 });
        emit(opts, { component_id: componentId, image_ref: imageRef, hosts }, () => `updated ${componentId} on ${hosts.length} host(s)`);
      }),
    );
}
