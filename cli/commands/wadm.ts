import type { Command } from 'commander';
import { createLogger } from '../../lib/logger.js';
import { connectLongLived } from '../../lib/nats-connection.js';
import { join } from 'node:path';
import { latticeHome } from '../../lib/home.js';
import { latticeJsDomain } from '../../store/kv.js';
import { parseSiteSelector, SiteKeeper, startWadm } from '../../wadm/mod.js';
import { CliError, NATS_FIX, UsageError, globalOptions, latticeName, natsSettings } from '../context.js';
import { emit } from '../output.js';
import { flushTracing, initTracing } from '../../lib/telemetry/mod.js';
import { Registry, serveMetrics, wadmMeter, type MetricsServer } from '../../host/metrics/mod.js';

/**
 * `lattice wadm`: wadm on its own (the scheduler and API without a host), e.g. a second
 * instance for fail-over or one next to a lattice of edge hosts. Same NATS/lattice options as
 * every command; runs until SIGINT/SIGTERM.
 */
export function register(program: Command): void {
  program
    .command('wadm')
    .description('run wadm (application manifests, scheduler, API) standalone until stopped (SIGINT/SIGTERM)')
    .option('--kv-replicas <n>', 'replicas of the wadm KV buckets if this instance creates them (default 1)')
    .option('--js-domain <domain>', 'JetStream domain of the lattice buckets (env LATTICE_JS_DOMAIN; "hub" on a leaf node)')
    .option('--metrics-address <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (env LATTICE_METRICS_ADDRESS; off by default)')
    .option('--site <name>', 'keep this edge site scheduled while the hub is unreachable: its hosts carry the label site=NAME (or give KEY=VALUE)')
    .option('--site-state <file>', 'where --site keeps what it last synced from the hub (default: <lattice home>/wadm-site-KEY-VALUE.json)')
    .action(async (flags: { kvReplicas?: string; jsDomain?: string; metricsAddress?: string; site?: string; siteState?: string }, command: Command) => {
      const opts = globalOptions(command);
      const settings = natsSettings(opts);
      const lattice = latticeName(opts);
      const replicas = flags.kvReplicas === undefined ? undefined : Number(flags.kvReplicas);
      if (replicas !== undefined && (!Number.isInteger(replicas) || replicas <= 0)) {
        throw new UsageError(`--kv-replicas must be a positive integer, got "${flags.kvReplicas}"`);
      }
      const site = flags.site === undefined ? null : parseSiteSelector(flags.site);
      if (flags.site !== undefined && site === null) throw new UsageError(`--site must be NAME or KEY=VALUE, got "${flags.site}"`);
      const logger = createLogger({ component: 'wadm', lattice });
      await initTracing('lattice-wadm', { 'lattice.name': lattice }, logger);
      const metricsAddress = flags.metricsAddress ?? (process.env.LATTICE_METRICS_ADDRESS || undefined);
      const registry = metricsAddress === undefined ? null : new Registry();
      let metrics: MetricsServer | null = null;
      if (registry && metricsAddress !== undefined) {
        try {
          metrics = await serveMetrics(metricsAddress, () => registry.render(), logger);
        } catch (error) {
          throw new CliError((error as Error).message, { cause: error });
        }
      }
      let nc;
      try {
        nc = await connectLongLived(settings, 'lattice-wadm', logger);
      } catch (error) {
        await metrics?.close();
        throw new CliError(`cannot connect to NATS at ${settings.url}: ${(error as Error).message} (${NATS_FIX})`, { cause: error });
      }
      let wadm;
      try {
        wadm = await startWadm({ nc, lattice, logger, kvReplicas: replicas, jsDomain: flags.jsDomain, meter: registry ? wadmMeter(registry) : undefined });
      } catch (error) {
        await nc.close();
        await metrics?.close();
        throw new CliError(`cannot start wadm: ${(error as Error).message}`, { cause: error });
      }
      const keeper = site
        ? await SiteKeeper.start({
            nc,
            lattice,
            site,
            stateFile: flags.siteState ?? join(latticeHome(), `wadm-site-${site.key}-${site.value}.json`),
            jsDomain: latticeJsDomain(flags.jsDomain),
            logger: logger.child({ part: 'site', site: `${site.key}=${site.value}` }),
          })
        : null;
      emit(
        opts,
        { wadm_id: wadm.id, lattice, leader: wadm.leader, site: site ? `${site.key}=${site.value}` : null },
        () => `${wadm.id} serving lattice "${lattice}" (${wadm.leader ? 'leader' : 'standby'})${site ? `, keeping site ${site.key}=${site.value}` : ''}`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await keeper?.stop();
      await wadm.stop();
      await nc.close();
      await metrics?.close();
      await flushTracing();
    });
}
