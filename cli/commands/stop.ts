import type { Command } from 'commander';
import type { ControlClient, HostInventory } from '../../protocol/mod.js';
import { CliError, UsageError, withLattice } from '../context.js';
import { emit } from '../output.js';

export function register(program: Command): void {
  const stop = program.command('stop').description('stop providers, components or hosts');

  stop
    .command('provider')
    .argument('<provider-id>', 'provider id')
    .option('--host <host-id>', 'only on this host (default: every host that runs it)')
    .description('stop a provider')
    .action(async (providerId: string, flags: { host?: string }, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const hosts = flags.host ? [flags.host] : await hostsRunning(ctl, (inv) => inv.providers.some((p) => p.id === providerId));
        if (hosts.length === 0) throw new CliError(`provider ${providerId} is not running on any host`);
        for (const hostId of hosts) await ctl.stopProvider(hostId, providerId);
        emit(opts, { provider_id: providerId, hosts }, () => `stopped ${providerId} on ${hosts.length} host(s)`);
      }),
    );

  stop
    .command('component')
    .argument('<component-id>', 'component id')
    .option('--host <host-id>', 'only on this host (default: every host that runs it)')
    .description('stop a component (scale it to 0)')
    .action(async (componentId: string, flags: { host?: string }, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const hosts: Array<{ id: string; image: string }> = [];
        for (const h of await ctl.pingHosts()) {
          if (flags.host && h.id !== flags.host) continue;
          const c = (await ctl.getInventory(h.id)).components.find((x) => x.id === componentId);
          if (c) hosts.push({ id: h.id, image: c.image_ref });
        }
        if (hosts.length === 0) throw new CliError(`component ${componentId} is not running on any host`);
        for (const h of hosts) await ctl.scaleComponent(h.id, { component_id: componentId, image_ref: h.image, count: 0 });
        emit(opts, { component_id: componentId, hosts: hosts.map((h) => h.id) }, () => `stopped ${componentId} on ${hosts.length} host(s)`);
      }),
    );

  stop
    .command('host')
    .argument('<host-id>', 'host id')
    .option('--drain-timeout <ms>', 'deadline for in-flight work', '10000')
    .description('stop a host gracefully')
    .action(async (hostId: string, flags: { drainTimeout: string }, command: Command) =>
      withLattice(command, async ({ ctl, opts }) => {
        const drainMs = Number(flags.drainTimeout);
        if (!Number.isInteger(drainMs) || drainMs <= 0)
          throw new UsageError(`--drain-timeout must be a positive number of milliseconds, got "${flags.drainTimeout}"`);
        await ctl.stopHost(hostId, { timeoutMs: drainMs });
        emit(opts, { host_id: hostId, stopping: true }, () => `host ${hostId} is stopping`);
      }),
    );
}

async function hostsRunning(ctl: ControlClient, has: (inv: HostInventory) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const h of await ctl.pingHosts()) if (has(await ctl.getInventory(h.id))) out.push(h.id);
  return out;
}
