import { applyCommands } from '../scalers/simulate.js';
import type { Command, LatticeState } from '../scalers/types.js';

/**
 * How long a command that succeeded is assumed done although no event showed it yet. Hosts
 * publish the event before they reply, so this only covers lost or late events; long enough
 * to bridge one inventory round trip, short enough that a wrong guess heals on the next tick.
 */
export const EXPECTED_TTL_MS = 10_000;
/** Backoff after a failed command: doubled per consecutive failure, capped. */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;
/** Consecutive failures after which the scaler that wants the command is reported `failed`. */
export const FAILURES_BEFORE_FAILED = 3;

/** A command's identity: the same key means "the same change to the same thing". */
export function commandKey(c: Command): string {
  switch (c.type) {
    case 'scale_component':
      return `scale/${c.host_id}/${c.component_id}/${c.image_ref}/${c.count}${c.canary ? `/canary/${c.canary.image_ref}/${c.canary.weight}` : ''}`;
    case 'start_provider':
      return `start/${c.host_id}/${c.provider_id}/${c.image_ref}`;
    case 'stop_provider':
      return `stop/${c.host_id}/${c.provider_id}`;
    case 'put_link':
      return `link/${c.link.source_id}/${c.link.wit_namespace}:${c.link.wit_package}/${c.link.name}/${c.link.target}/${JSON.stringify(c.link)}`;
    case 'delete_link':
      return `unlink/${c.source_id}/${c.wit_namespace}:${c.wit_package}/${c.name}/${c.target}`;
    case 'put_config':
      return `config/${c.name}/${JSON.stringify(c.values)}`;
    case 'delete_config':
      return `unconfig/${c.name}`;
  }
}

/** The component or provider a command is about, to attribute failures to a scaler. */
export function commandSubject(c: Command): string {
  switch (c.type) {
    case 'scale_component':
      return c.component_id;
    case 'start_provider':
    case 'stop_provider':
      return c.provider_id;
    case 'put_link':
      return c.link.source_id;
    case 'delete_link':
      return c.source_id;
    case 'put_config':
    case 'delete_config':
      return c.name;
  }
}

interface Failure {
  count: number;
  retryAt: number;
  error: string;
}

/**
 * Expected-state bookkeeping for one reconciler: what was done but not yet observed (laid over
 * the observed lattice before planning, so a plan never repeats it), and what failed (held back
 * with exponential backoff so a broken image is not retried in a tight loop).
 */
export class ExpectedState {
  private readonly done = new Map<string, { command: Command; until: number }>();
  private readonly failures = new Map<string, Failure>();

  /** The observed lattice with the commands that succeeded recently laid over it. */
  overlay(state: LatticeState, now: number): LatticeState {
    for (const [key, e] of this.done) if (e.until <= now) this.done.delete(key);
    if (this.done.size === 0) return state;
    return applyCommands(
      state,
      [...this.done.values()].map((e) => e.command),
    );
  }

  /** Drops expectations the observed lattice already shows (the overlay would change nothing). */
  confirm(state: LatticeState): void {
    for (const [key, e] of this.done) {
      if (JSON.stringify(applyCommands(state, [e.command])) === JSON.stringify(state)) this.done.delete(key);
    }
  }

  /** Whether a command may be sent now (false while it is backing off after a failure). */
  allowed(c: Command, now: number): boolean {
    const f = this.failures.get(commandKey(c));
    return !f || f.retryAt <= now;
  }

  succeeded(c: Command, now: number): void {
    const key = commandKey(c);
    this.failures.delete(key);
    this.done.set(key, { command: c, until: now + EXPECTED_TTL_MS });
  }

  failed(c: Command, error: string, now: number): Failure {
    const key = commandKey(c);
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (count - 1));
    const f = { count, retryAt: now + delay, error };
    this.failures.set(key, f);
    return f;
  }

  /** Current failures of commands still wanted (by subject), for status messages. */
  failuresOf(commands: readonly Command[]): Array<{ command: Command; failure: Failure }> {
    const out: Array<{ command: Command; failure: Failure }> = [];
    for (const command of commands) {
      const failure = this.failures.get(commandKey(command));
      if (failure) out.push({ command, failure });
    }
    return out;
  }

  /** Forgets failures of commands no plan wants any more (the manifest or lattice moved on). */
  prune(wanted: ReadonlySet<string>): void {
    for (const key of this.failures.keys()) if (!wanted.has(key)) this.failures.delete(key);
  }
}
