import type { Command } from 'commander';
import type { HostInventory } from '../../protocol/mod.js';
import { withLattice } from '../context.js';
import { emit, formatLabels, renderTable } from '../output.js';

function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', `${s % 60}s`].filter(Boolean).join(' ');
}

function inventoryTable(inv: HostInventory): string {
  const head = `Host ${inv.id} (${inv.friendly_name})\nLabels: ${formatLabels(inv.labels)}\n`;
  const components = renderTable(
    ['Component', 'Image', 'Max instances', 'Annotations'],
    inv.components.map((c) => [c.id, c.image_ref, c.max_instances, formatLabels(c.annotations)]),
  );
  const providers = renderTable(
    ['Provider', 'Image', 'Mode', 'Status'],
    inv.providers.map((p) => [p.id, p.image_ref, p.mode ?? '', p.status ?? '']),
  );
  return `${head}\nComponents:\n${components}\n\nProviders:\n${providers}`;
}

export function register(program: Command): void {
  const get = program.command('get').description('show what runs in the lattice');

  get
    .command('hosts')
    .description('list the hosts that answer a ping')
    .action(async (_opts, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const hosts = (await ctl.pingHosts()).sort((a, b) => a.friendly_name.localeCompare(b.friendly_name));
        emit(opts, hosts, () =>
          renderTable(
            ['Host ID', 'Friendly name', 'Uptime', 'Version', 'Labels'],
            hosts.map((h) => [h.id, h.friendly_name, formatUptime(h.uptime_seconds), h.version, formatLabels(h.labels)]),
          ),
        );
      }),
    );

  get
    .command('inventory')
    .argument('[host-id]', 'one host (default: every host)')
    .description('show the components and providers of hosts')
    .action(async (hostId: string | undefined, _opts, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const ids = hostId ? [hostId] : (await ctl.pingHosts()).map((h) => h.id);
        const inventories = await Promise.all(ids.map((id) => ctl.getInventory(id)));
        emit(opts, hostId ? inventories[0] : inventories, () => (inventories.length ? inventories.map(inventoryTable).join('\n\n') : '(no hosts)'));
      }),
    );

  get
    .command('links')
    .description('list the links in the lattice')
    .action(async (_opts, command: Command) => showLinks(command));
}

/** Prints every link; also behind `link get`. */
export async function showLinks(command: Command): Promise<void> {
  await withLattice(command, async ({ ctl, opts }) => {
    const links = await ctl.getLinks();
    emit(opts, links, () =>
      renderTable(
        ['Source', 'Target', 'Interfaces', 'Name', 'Source config', 'Target config'],
        links.map((l) => [
          l.source_id,
          l.target,
          `${l.wit_namespace}:${l.wit_package}/{${l.interfaces.join(',')}}`,
          l.name,
          l.source_config.join(','),
          l.target_config.join(','),
        ]),
      ),
    );
  });
}
