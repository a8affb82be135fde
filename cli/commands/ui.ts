import type { Command } from 'commander';
import { createLogger } from '../../lib/logger.js';
import { connectLongLived } from '../../lib/nats-connection.js';
import { CliError, globalOptions, latticeName, natsSettings } from '../context.js';
import { emit } from '../output.js';

export const DEFAULT_UI_ADDRESS = '127.0.0.1:3030';

/**
 * `lattice ui`: the web dashboard (hosts, components and providers, links as a graph,
 * applications, live events, a spy view) on loopback, talking to the lattice over NATS like any
 * CLI command. Runs until SIGINT/SIGTERM. `lattice up --ui` and `lattice host --ui-address`
 * serve the same page from the host process instead.
 */
export function register(program: Command): void {
  program
    .command('ui')
    .description('serve the web dashboard of the lattice (default http://127.0.0.1:3030/) until stopped')
    .option('--address <host:port>', `where to listen (default ${DEFAULT_UI_ADDRESS}; the page has no login: keep it on loopback)`)
    .action(async (flags: { address?: string }, command: Command) => {
      const opts = globalOptions(command);
      const settings = natsSettings(opts);
      const lattice = latticeName(opts);
      const log = createLogger({ component: 'ui', lattice });
      let nc;
      try {
        nc = await connectLongLived(settings, 'lattice-ui', log);
      } catch (error) {
        throw new CliError(`cannot connect to NATS at ${settings.url}: ${(error as Error).message}`, { cause: error });
      }
      const { startDashboard } = await import('../../ui/server/server.js');
      let dashboard;
      try {
        dashboard = await startDashboard({ nc, lattice, address: flags.address ?? DEFAULT_UI_ADDRESS, log });
      } catch (error) {
        await nc.close();
        throw new CliError((error as Error).message, { cause: error });
      }
      emit(opts, { url: dashboard.url, lattice }, () => `dashboard of lattice "${lattice}" at ${dashboard.url} (Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await dashboard.close();
      await nc.close();
    });
}
