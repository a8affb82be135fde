import type { Command } from 'commander';
import type { Host } from '../../host/mod.js';
import { CliError, NATS_FIX, UsageError, globalOptions, latticeName, natsSettings } from '../context.js';
import { dataDir } from '../local/data-dir.js';
import { collect, emit, parsePairs } from '../output.js';
import { memoryBudget } from '../../host/memory-budget.js';
import { IDLE_TUNING_OFF, IDLE_TUNING_ON, startTuning } from '../memory-tuning.js';
import type { Wadm } from '../../wadm/mod.js';
import { registerInstallService } from './host-service.js';
import { insecureRegistriesFromEnv } from '../../lib/oci/client.js';
import { policySubject, positiveInt, trustedIssuers, type HostFlags } from '../host-flags.js';

function providerAuth(flags: HostFlags): { nkeySeed?: string; credsFile?: string } | undefined {
  const nkeySeed = flags.providerNkey ?? process.env.LATTICE_PROVIDER_NKEY;
  const credsFile = flags.providerCreds ?? process.env.LATTICE_PROVIDER_CREDS;
  return nkeySeed || credsFile ? { nkeySeed, credsFile } : undefined;
}

/** Resolves when the host has stopped: by SIGINT/SIGTERM (graceful) or over the control interface. */
/**
 * SIGINT/SIGTERM from the moment the command starts: a signal that arrives while the host is
 * still connecting (a service manager stopping it early) is kept and stops the host as soon as it
 * has started, instead of killing the process mid-start with Node's default action.
 */
function watchStopSignals(): { runUntilStopped(host: Host): Promise<void>; dispose(): void } {
  let host: Host | null = null;
  let pending: NodeJS.Signals | null = null;
  let stopping = false;
  const stop = (running: Host, reason: string): void => {
    stopping = true;
    void running.stop({ reason });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (host) {
      if (!stopping) stop(host, `received ${signal}`);
      else host.log.warn({ signal }, 'already stopping; waiting for in-flight work (deadline applies)');
    } else if (pending) {
      // A second signal while still starting (Ctrl-C twice): Node's default action, at once.
      dispose();
      process.kill(process.pid, signal);
    } else {
      pending = signal;
    }
  };
  const dispose = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    async runUntilStopped(started: Host) {
      host = started;
      if (pending) stop(started, `received ${pending} while starting`);
      try {
        await started.stopped;
      } finally {
        dispose();
      }
    },
    dispose,
  };
}

export function register(program: Command): void {
  const host = program
    .command('host')
    .description('run a host: join the lattice and serve the control interface until stopped (SIGINT/SIGTERM)')
    .option('--label <k=v>', 'host label (repeatable; also env LATTICE_LABEL_<key>=<value>)', collect)
    .option('--name <name>', 'friendly name (default: generated adjective-noun-NNNN)')
    .option('--heartbeat-interval <ms>', 'heartbeat interval in milliseconds (default 1000)')
    .option('--stop-timeout <ms>', 'deadline for in-flight work on stop, in milliseconds (default 10000)')
    .option('--kv-replicas <n>', 'replicas of the lattice KV buckets if this host creates them (default 1)')
    .option('--data-dir <dir>', 'data directory (env LATTICE_DATA_DIR, default ~/.lattice)')
    .option('--max-memory <MB>', 'size worker pools and guest memory caps for a machine of this much memory (docs/edge.md)')
    .option('--js-domain <domain>', 'JetStream domain of the lattice buckets (env LATTICE_JS_DOMAIN; "hub" on a leaf node)')
    .option('--trusted-issuers <keys>', 'run only components signed by these issuers (comma-separated account keys; env LATTICE_TRUSTED_ISSUERS)')
    .option('--policy-subject <subject>', 'ask this policy service before starts and link puts (env LATTICE_POLICY_SUBJECT; e.g. wasmbus.policy.<lattice>)')
    .option('--policy-timeout <ms>', 'how long to wait for a policy decision before denying (default 2000)')
    .option('--allow-insecure-registry <host:port>', 'registry this host may pull from over plain HTTP (repeatable; env LATTICE_INSECURE_REGISTRIES)', collect)
    .option('--provider-nkey <seed-or-file>', "NATS nkey for provider processes instead of the host's (env LATTICE_PROVIDER_NKEY)")
    .option('--provider-creds <file>', "NATS creds file for provider processes instead of the host's (env LATTICE_PROVIDER_CREDS)")
    .option('--oci-cache-dir <dir>', 'shared cache of pulled OCI artifacts (default <lattice home>/cache/oci)')
    .option('--wadm', "also run wadm (scheduler and API) in this process, on the host's connection")
    .option('--metrics-address <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (env LATTICE_METRICS_ADDRESS; off by default)')
    .option('--ui-address <host:port>', 'serve the web dashboard at http://HOST:PORT/ from this host (env LATTICE_UI_ADDRESS; off by default)')
    .action(async (flags: HostFlags, command: Command) => {
      const opts = globalOptions(command);
      const labels = parsePairs(flags.label ?? [], 'label');
      const settings = natsSettings(opts);
      const signals = watchStopSignals();
      try {
        await runHost(flags, opts, labels, settings, signals);
      } finally {
        signals.dispose();
      }
    });
  registerInstallService(host);
}

/**
 * The start-up tuning (cli/memory-tuning.ts) stays on while the host has nothing to run, so an
 * idle edge host stays small for as long as it is idle: left on, its heartbeat code would be
 * optimized over the minutes and grow it again. The first component or provider brings V8's
 * defaults back, so a host with work is exactly as fast as without the tuning.
 */
function keepTunedWhileIdle(host: Host): void {
  if (startTuning.applied.length || startTuning.userChosen.length) {
    host.log.info({ v8_start_flags: startTuning.applied, user_chosen: startTuning.userChosen }, IDLE_TUNING_ON);
  }
  if (startTuning.applied.length === 0) return;
  const hasWork = (): boolean => {
    const { components, providers } = host.inventory.counts();
    return components + providers > 0;
  };
  const off = host.inventory.onChange(() => {
    if (!hasWork()) return;
    off();
    startTuning.finish();
    host.log.info(IDLE_TUNING_OFF);
  });
}

async function runHost(
  flags: HostFlags,
  opts: ReturnType<typeof globalOptions>,
  labels: Record<string, string>,
  settings: ReturnType<typeof natsSettings>,
  signals: ReturnType<typeof watchStopSignals>,
): Promise<void> {
  // Loaded here, not at the top: every other command would pay for the runtime's modules.
  const { startHost, LabelError } = await import('../../host/mod.js');
  let host: Host;
  try {
    host = await startHost({
      lattice: latticeName(opts),
      natsSettings: settings,
      name: flags.name,
      labels,
      heartbeatIntervalMs: positiveInt('--heartbeat-interval', flags.heartbeatInterval),
      stopTimeoutMs: positiveInt('--stop-timeout', flags.stopTimeout),
      kvReplicas: positiveInt('--kv-replicas', flags.kvReplicas),
      dataDir: dataDir(flags.dataDir),
      jsDomain: flags.jsDomain,
      providerAuth: providerAuth(flags),
      trustedIssuers: trustedIssuers(flags.trustedIssuers),
      policy: {
        subject: policySubject(flags.policySubject),
        timeoutMs: positiveInt('--policy-timeout', flags.policyTimeout),
      },
      metricsAddress: flags.metricsAddress ?? (process.env.LATTICE_METRICS_ADDRESS || undefined),
      oci: {
        insecureRegistries: [...(flags.allowInsecureRegistry ?? []), ...insecureRegistriesFromEnv()],
        cacheDir: flags.ociCacheDir,
      },
      ...(flags.maxMemory === undefined ? {} : { runtime: memoryBudget(positiveInt('--max-memory', flags.maxMemory) as number) }),
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    // Option mistakes (labels, interval, lattice name) are reported as they are.
    if ((error as Error).name === 'MetricsServerError') throw new CliError((error as Error).message, { cause: error });
    if (error instanceof LabelError || error instanceof RangeError || error instanceof TypeError) throw new UsageError(error.message, { cause: error });
    throw new CliError(`cannot start the host (NATS at ${settings.url}): ${(error as Error).message} (${NATS_FIX})`, { cause: error });
  }
  let wadm: Wadm | null = null;
  if (flags.wadm) {
    try {
      const [{ startWadm }, { wadmMeter }] = await Promise.all([import('../../wadm/mod.js'), import('../../host/metrics/wadm-metrics.js')]);
      wadm = await startWadm({
        nc: host.nc,
        lattice: host.lattice,
        kvReplicas: positiveInt('--kv-replicas', flags.kvReplicas),
        jsDomain: flags.jsDomain,
        meter: host.metrics ? wadmMeter(host.metrics.registry) : undefined,
      });
    } catch (error) {
      await host.stop({ reason: 'wadm failed to start' });
      throw new CliError(`cannot start wadm: ${(error as Error).message}`, { cause: error });
    }
    // wadm stops before the host closes the connection it borrows.
    const running = wadm;
    host.onStop(() => running.stop());
  }
  let uiUrl: string | null = null;
  const uiAddress = flags.uiAddress ?? (process.env.LATTICE_UI_ADDRESS || undefined);
  if (uiAddress !== undefined) {
    try {
      const { startDashboard } = await import('../../ui/server/server.js');
      const dashboard = await startDashboard({ nc: host.nc, lattice: host.lattice, address: uiAddress, log: host.log.child({ component: 'ui' }) });
      uiUrl = dashboard.url;
      host.onStop(() => dashboard.close());
    } catch (error) {
      await host.stop({ reason: 'dashboard failed to start' });
      throw new CliError((error as Error).message, { cause: error });
    }
  }
  keepTunedWhileIdle(host);
  emit(
    opts,
    {
      host_id: host.id,
      friendly_name: host.friendlyName,
      lattice: host.lattice,
      labels: host.labels.all(),
      wadm: wadm?.id ?? null,
      metrics: host.metricsAddress ? `http://${host.metricsAddress}/metrics` : null,
      ui: uiUrl,
    },
    () =>
      `${host.id} ${host.friendlyName} joined lattice "${host.lattice}"${wadm ? ` (with wadm ${wadm.id})` : ''}` +
      (host.metricsAddress ? `\nmetrics at http://${host.metricsAddress}/metrics` : '') +
      (uiUrl ? `\ndashboard at ${uiUrl}` : ''),
  );
  await signals.runUntilStopped(host);
}
