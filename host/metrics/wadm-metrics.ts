import type { ReconcileMeter } from '../../wadm/reconciler/reconciler.js';
import type { Registry } from './registry.js';

/**
 * wadm's metrics, in the registry of the process it runs in (a host with `--wadm`, or
 * `lattice wadm --metrics-address`): rounds, commands by type and outcome, the lag between a
 * change (event, manifest, tick) and the round that handles it, and applications by state.
 */
export function wadmMeter(registry: Registry): ReconcileMeter {
  const rounds = registry.counter('lattice_wadm_reconcile_rounds_total', 'Reconcile rounds run (one application each).').labels();
  const commands = registry.counter('lattice_wadm_commands_total', 'Commands wadm sent, by type and outcome.', ['command', 'outcome']);
  const lag = registry
    .histogram('lattice_wadm_reconcile_lag_seconds', 'Time from a change asking for a round (event, manifest, tick) to the round starting.')
    .labels();
  const duration = registry.histogram('lattice_wadm_reconcile_duration_seconds', 'Time a reconcile round took (planning, commands, status).').labels();
  const states = new Map<string, string>();
  registry.gauge('lattice_wadm_applications', 'Applications by the state wadm last reported.', ['state'], () => {
    const counts = new Map<string, number>();
    for (const state of states.values()) counts.set(state, (counts.get(state) ?? 0) + 1);
    return [...counts].map(([state, n]) => [[state], n]);
  });
  return {
    round(_app, lagSeconds, durationSeconds) {
      rounds.inc();
      lag.observe(lagSeconds);
      duration.observe(durationSeconds);
    },
    command(type, ok) {
      commands.labels(type, ok ? 'ok' : 'failed').inc();
    },
    status(app, state) {
      states.set(app, state);
    },
  };
}
