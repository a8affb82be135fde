import type { Logger } from '../../lib/logger.js';
import type { KvWatch } from '../../store/kv-bucket.js';
import type { ControlClient } from '../../protocol/control-client.js';
import type { AppStatus } from '../../protocol/schemas/wadm.js';
import { resolveSharedIds } from '../api/shared-refs.js';
import { configsOf } from '../scalers/config-scaler.js';
import { planApp, planUndeploy, type Plan } from '../scalers/plan.js';
import type { ManifestStore } from '../store/manifest-store.js';
import type { StatusStore } from '../store/status-store.js';
import { CanaryJudge, canaryContext, type CanaryReview } from './canary-judge.js';
import { executeCommands } from './executor.js';
import { commandKey, ExpectedState } from './expected.js';
import type { LatticeObserver } from './observer.js';
import { describeStatus } from './status.js';
import { Attr, SpanKind, startSpan, tracing, type Attributes, type LatticeSpan } from '../../lib/telemetry/mod.js';

/** Events arriving together (a host's inventory, then its heartbeat) cause one round, not ten. */
export const DEBOUNCE_MS = 30;
/** Reconcile everything this often even without events: retries after backoff, lost events. */
export const TICK_MS = 5_000;

/** Where a reconciler reports rounds, commands and lag (host/metrics/wadm-metrics.ts). */
export interface ReconcileMeter {
  round(app: string, lagSeconds: number, durationSeconds: number): void;
  command(type: string, ok: boolean): void;
  status(app: string, state: string): void;
}

export interface ReconcilerOptions {
  /** Attributes every reconcile span carries (lattice, wadm id). */
  spanAttributes?: Attributes;
  meter?: ReconcileMeter;
  store: ManifestStore;
  statuses: StatusStore;
  ctl: ControlClient;
  observer: LatticeObserver;
  logger: Logger;
  tickMs?: number;
  debounceMs?: number;
  /**
   * Besides being the leader with a ready picture: may commands go out now (the leader lease was
   * confirmed since the connection last came back)? Default: yes.
   */
  mayAct?: () => boolean;
}

export interface ReconcilerStats {
  rounds: number;
  commandsSent: number;
  commandsFailed: number;
}

/**
 * Drives every application toward its manifest: after lattice events (debounced), after
 * manifest changes (a KV watch on the manifest bucket) and on a periodic tick, each app is
 * planned (pure scalers) and the plan's commands sent. One round per app at a time; an event
 * during a round asks for another round after it. Works only while `active` (the leader).
 */
export class Reconciler {
  readonly stats: ReconcilerStats = { rounds: 0, commandsSent: 0, commandsFailed: 0 };
  private active = false;
  private stopped = false;
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly expected = new Map<string, ExpectedState>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private debounce: NodeJS.Timeout | null = null;
  private tick: NodeJS.Timeout | null = null;
  private watch: KvWatch | null = null;
  /** When each application was first asked for a round that has not started yet (for the lag). */
  private readonly pendingSince = new Map<string, number>();
  private readonly judge: CanaryJudge;

  constructor(private readonly options: ReconcilerOptions) {
    this.judge = new CanaryJudge(options.ctl, options.logger);
  }

  async start(): Promise<void> {
    this.tick = setInterval(() => this.kick('tick', 0), this.options.tickMs ?? TICK_MS);
    this.watch = await this.options.store.watch();
    void (async () => {
      for await (const entry of this.watch!) this.schedule(entry.key);
    })().catch((error: unknown) => this.options.logger.warn({ err: error }, 'manifest watch ended'));
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Leader changes: only the leader plans and sends. */
  setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    this.options.logger.info({ active }, active ? 'reconciling as leader' : 'standing by');
    if (active) this.kick('became leader', 0);
  }

  /** Something in the lattice changed: reconcile every application soon. */
  kick(why: string, delayMs = this.options.debounceMs ?? DEBOUNCE_MS): void {
    if (!this.active || this.stopped || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.all(why);
    }, delayMs);
  }

  /** Waits until no round is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running.values()]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tick) clearInterval(this.tick);
    if (this.debounce) clearTimeout(this.debounce);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.watch?.stop();
    await this.idle();
  }

  /** Leader, not stopped, seeing the lattice (see LatticeObserver.ready) and allowed to act. */
  private get canAct(): boolean {
    return this.active && !this.stopped && this.options.observer.ready && (this.options.mayAct?.() ?? true);
  }

  private async all(why: string): Promise<void> {
    if (!this.canAct) return;
    const started = Date.now();
    try {
      const apps = await this.options.store.list({ all: true });
      for (const app of apps) this.schedule(app.name);
    } catch (error) {
      // Lost sight meanwhile: the round after the connection is back lists again.
      if (this.options.observer.interruptedSince(started)) this.options.logger.debug({ err: error, why }, 'listing applications interrupted');
      else this.options.logger.warn({ err: error, why }, 'cannot list applications');
    }
  }

  private schedule(name: string): void {
    if (!this.canAct) return;
    if (!this.pendingSince.has(name)) this.pendingSince.set(name, Date.now());
    if (this.running.has(name)) {
      this.again.add(name);
      return;
    }
    const started = Date.now();
    const round = this.round(name)
      .catch((error: unknown) => {
        if (this.options.observer.interruptedSince(started))
          this.options.logger.debug({ app: name, err: error }, 'reconcile round interrupted (NATS unreachable)');
        else this.options.logger.error({ app: name, err: error }, 'reconcile round failed');
      })
      .finally(() => {
        this.running.delete(name);
        if (this.again.delete(name)) this.schedule(name);
      });
    this.running.set(name, round);
  }

  private expectedFor(name: string): ExpectedState {
    let e = this.expected.get(name);
    if (!e) this.expected.set(name, (e = new ExpectedState()));
    return e;
  }

  /** One round, as a span (when tracing) and in the metrics (when counted). */
  private async round(name: string): Promise<void> {
    const started = Date.now();
    const asked = this.pendingSince.get(name) ?? started;
    this.pendingSince.delete(name);
    // A round that sends nothing (most ticks) is not worth a trace: the span starts, back-dated,
    // only once the plan has commands to send.
    const traced: { span?: LatticeSpan } = {};
    try {
      await this.plan(
        name,
        () =>
          (traced.span ??= startSpan(`wadm reconcile ${name}`, SpanKind.internal, undefined, { ...this.options.spanAttributes, [Attr.app]: name }, started)),
      );
      traced.span?.end();
    } catch (error) {
      traced.span?.end(error);
      throw error;
    } finally {
      this.options.meter?.round(name, (started - asked) / 1000, (Date.now() - started) / 1000);
    }
  }

  /** One round for one application: plan, send, report. */
  private async plan(name: string, traceRound: () => LatticeSpan): Promise<void> {
    const { store, observer, ctl, logger } = this.options;
    this.stats.rounds++;
    const desired = await store.desired(name);
    if (!desired) {
      this.expected.delete(name);
      this.judge.forget(name);
      return;
    }
    const manifest = desired.manifest ? await resolveSharedIds(store, desired.manifest) : null;
    await observer.ensureConfigs(configsOf(manifest, desired.previous));

    const expected = this.expectedFor(name);
    const observed = observer.state();
    const canary = canaryContext(manifest, desired);
    const review: CanaryReview | null = canary && manifest ? await this.judge.review(name, manifest, canary, observed) : null;
    if (review?.decided.length) {
      // A verdict changes what to run (and a rollback the deployed version): plan again after it.
      for (const report of review.decided) await store.noteCanary(name, report, report.state === 'rolled_back' ? desired.rollbackVersion! : undefined);
      this.again.add(name);
      return;
    }
    expected.confirm(observed);
    const now = Date.now();
    const state = expected.overlay(observed, now);
    const plan: Plan = manifest
      ? planApp({ app: name, manifest, previous: desired.previous, state, canary: canary && { weight: canary.policy.weight, verdicts: canary.verdicts } })
      : planUndeploy({ app: name, previous: desired.previous, state });
    expected.prune(new Set(plan.commands.map(commandKey)));
    logger.debug({ app: name, state: plan.state, commands: plan.commands.length }, 'planned');

    const sendable = plan.commands.filter((c) => expected.allowed(c, now));
    const sentAt = Date.now();
    if (sendable.length) {
      const span = tracing.on ? traceRound() : undefined;
      span?.setAttribute('wadm.plan.state', plan.state);
      span?.setAttribute('wadm.plan.commands', sendable.length);
      logger.info({ app: name, commands: sendable.length, held_back: plan.commands.length - sendable.length }, 'sending commands');
      await executeCommands(
        ctl,
        sendable,
        (o) => {
          this.stats.commandsSent++;
          this.options.meter?.command(o.command.type, o.ok);
          if (o.ok) expected.succeeded(o.command, Date.now());
          else if (observer.interruptedSince(sentAt)) {
            // Lost our connection meanwhile: no verdict on the command (it may have run); the
            // next plan, once the picture is whole again, says whether it is still needed.
            logger.debug({ app: name, command: o.command, error: o.error }, 'command outcome unknown (NATS unreachable)');
          } else {
            this.stats.commandsFailed++;
            const f = expected.failed(o.command, o.error, Date.now());
            logger.warn({ app: name, command: o.command, error: o.error, attempt: f.count }, 'command failed; backing off');
          }
        },
        span ? { parent: span.traceparent, attributes: { ...this.options.spanAttributes, [Attr.app]: name } } : undefined,
      );
      // Plan once more right after: it reports the outcome without waiting for an event or tick.
      this.again.add(name);
    }
    const failures = expected.failuresOf(plan.commands);
    this.retryLater(name, [...failures.map((f) => f.failure.retryAt), ...(review?.nextAt ? [review.nextAt] : [])]);

    if (plan.commands.length === 0 && (desired.previousVersion !== null || desired.deleted)) {
      await store.settle(name);
      if (desired.deleted && !manifest) {
        await this.options.statuses.delete(name).catch(() => undefined);
        return;
      }
    }
    const canaries = [...desired.canaries, ...(review?.watching ?? [])];
    await this.report(
      { ...describeStatus({ name, version: desired.deployedVersion, manifest, plan, failures }), ...(canaries.length ? { canaries } : {}) },
      sentAt,
    );
  }

  private retryLater(name: string, retryAts: number[]): void {
    const old = this.retryTimers.get(name);
    if (old) clearTimeout(old);
    this.retryTimers.delete(name);
    if (!retryAts.length || this.stopped) return;
    const delay = Math.max(0, Math.min(...retryAts) - Date.now()) + 10;
    this.retryTimers.set(
      name,
      setTimeout(() => {
        this.retryTimers.delete(name);
        this.schedule(name);
      }, delay),
    );
  }

  /**
   * Writes a status only when it differs from the stored one (no KV churn on every tick). The
   * stored one, not a cached copy: the API writes statuses too (at deploy), possibly after ours.
   */
  private async report(status: Omit<AppStatus, 'updated_at'>, since: number): Promise<void> {
    this.options.meter?.status(status.name, status.state);
    const key = JSON.stringify(status);
    try {
      const stored = await this.options.statuses.get(status.name);
      if (stored) {
        const { name, version, state, message, scalers, canaries } = stored;
        if (JSON.stringify({ name, version, state, message, scalers, canaries }) === key) return;
      }
      await this.options.statuses.put({ ...status, updated_at: new Date().toISOString() });
    } catch (error) {
      if (this.options.observer.interruptedSince(since)) this.options.logger.debug({ app: status.name, err: error }, 'status not written (NATS unreachable)');
      else this.options.logger.warn({ app: status.name, err: error }, 'cannot write status');
    }
  }
}
