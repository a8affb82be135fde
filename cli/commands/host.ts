import type { Command } from 'commander';
import type { Host } from '../../host/mod.js';
import { CliError, globalOptions, latticeName, natsSettings } from '../context.js';
import { dataDir } from '../local/data-dir.js';
import { emit, parsePairs } from '../output.js';
import { memoryBudget } from '../../host/memory-budget.js';
import { startTuning } from '../memory-tuning.js';
import type { Wadm } from '../../wadm/mod.js';

interface HostFlags {
  label?: string[];
  name?: string;
  heartbeatInterval?: string;
  dataDir?: string;
  stopTimeout?: string;
  kvReplicas?: string;
  wadm?: boolean;
  maxMemory?: string;
  jsDomain?: string;
}

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

/** Resolves when the host has stopped: by SIGINT/SIGTERM (graceful) or over the control interface. */
async function runUntilStopped(host: Host): Promise<void> {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) void host.stop({ reason: `received ${signal}` });
    else host.log.warn({ signal }, 'already stopping; waiting for in-flight work (deadline applies)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await host.stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function register(program: Command): void {
  program
    .command('host')
    .description('run a host: join the lattice and serve the control interface until stopped (SIGINT/SIGTERM)')
    .option('--label <k=v>', 'host label (repeatable; also env LATTICE_LABEL_<key>=<value>)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--name <name>', 'friendly name (default: generated adjective-noun-NNNN)')
    .option('--heartbeat-interval <ms>', 'heartbeat interval in milliseconds (default 1000)')
    .option('--stop-timeout <ms>', 'deadline for in-flight work on stop, in milliseconds (default 10000)')
    .option('--kv-replicas <n>', 'replicas of the lattice KV buckets if this host creates them (default 1)')
    .option('--data-dir <dir>', 'data directory (env LATTICE_DATA_DIR, default ~/.lattice)')
    .option('--max-memory <MB>', 'size worker pools and guest memory caps for a machine of this much memory (docs/edge.md)')
    .option('--js-domain <domain>', 'JetStream domain of the lattice buckets (env LATTICE_JS_DOMAIN; "hub" on a leaf node)')
    .option('--wadm', 'also run wadm (scheduler and API) in this process, on the host\'s connection')
    .action(async (flags: HostFlags, command: Command) => {
      const opts = globalOptions(command);
      let labels: Record<string, string>;
      try {
        labels = parsePairs(flags.label ?? [], 'label');
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const settings = natsSettings(opts);
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
          ...(flags.maxMemory === undefined ? {} : { runtime: memoryBudget(positiveInt('--max-memory', flags.maxMemory) as number) }),
        });
      } catch (error) {
        if (error instanceof CliError) throw error;
        // Option mistakes (labels, interval, lattice name) are reported as they are.
        if (error instanceof LabelError || error instanceof RangeError || error instanceof TypeError) throw new CliError(error.message, { cause: error });
        throw new CliError(`cannot start the host (NATS at ${settings.url}): ${(error as Error).message}`, { cause: error });
      }
      let wadm: Wadm | null = null;
      if (flags.wadm) {
        try {
          const { startWadm } = await import('../../wadm/mod.js');
          wadm = await startWadm({
            nc: host.nc,
            lattice: host.lattice,
            kvReplicas: positiveInt('--kv-replicas', flags.kvReplicas),
            jsDomain: flags.jsDomain,
          });
        } catch (error) {
          await host.stop({ reason: 'wadm failed to start' });
          throw new CliError(`cannot start wadm: ${(error as Error).message}`, { cause: error });
        }
        // wadm stops before the host closes the connection it borrows.
        const running = wadm;
        host.onStop(() => running.stop());
      }
      // Started: from here on V8 runs with its defaults, so a host under load is as fast as ever.
      startTuning.finish();
      if (startTuning.applied.length || startTuning.userChosen.length) {
        host.log.info({ v8_start_flags: startTuning.applied, user_chosen: startTuning.userChosen }, 'start-up memory tuning done');
      }
      emit(
        opts,
        { host_id: host.id, friendly_name: host.friendlyName, lattice: host.lattice, labels: host.labels.all(), wadm: wadm?.id ?? null },
        () => `${host.id} ${host.friendlyName} joined lattice "${host.lattice}"${wadm ? ` (with wadm ${wadm.id})` : ''}`,
      );
      await runUntilStopped(host);
    });
}
