/**
 * The pool's workers and what they hold: which exist (the pool's own and the extra ones), which
 * are idle, which versions each should have loaded (a replacement loads them all), how many
 * instances each version made, and how a worker ends: terminated, its ingress admissions given
 * back, and (unless it was an extra one) replaced. Which invocation runs where is the
 * scheduler's (worker-pool.ts).
 */
import type { Logger } from '../lib/logger.js';
import { RuntimeStoppedError } from './errors.js';
import type { IngressController } from './ingress/controller.js';
import { ADMISSION_WORDS, RUNNING, WAITING } from './ingress/types.js';
import type { LoadSpec } from './invocation.js';
import { WorkerSlot, type SlotOwner } from './worker-slot.js';

/** What the worker set tells the scheduler. */
export interface WorkerEvents {
  /** A new worker is ready (its versions loading): it may take an invocation. */
  ready(slot: WorkerSlot): void;
  /** A dead worker gave back instance slots of the component at admission `slot` while others wait. */
  released(slot: number): void;
}

export interface WorkerCounts {
  idle: number;
  busy: number;
  blocked: number;
  /** Pre-instantiated instances idle workers hold ready, per version key. */
  spares: Map<string, number>;
}

export class PoolWorkers {
  /** Every worker of the pool (services' own workers are not here). */
  readonly all: WorkerSlot[] = [];
  /** Workers waiting for an invocation, in the order they became idle. */
  readonly idle: WorkerSlot[] = [];
  /** Versions every pool worker should have loaded (replacement workers load them too). */
  private readonly active = new Map<string, LoadSpec>();
  /** Component instances created per version key, over every worker (resets are not counted). */
  readonly instantiations = new Map<string, number>();
  /** Set once by the pool's stop: no worker is started or replaced after. */
  stopped = false;
  private readonly logger: Logger;

  /**
   * @param owner what the workers report to (the pool)
   * @param size workers that run guests; extra ones come and go with load
   */
  constructor(
    private readonly owner: SlotOwner,
    private readonly size: number,
    private readonly ingress: IngressController,
    private readonly admission: Int32Array,
    private readonly events: WorkerEvents,
  ) {
    this.logger = owner.logger;
  }

  /**
   * Workers start with the first component, not with the host: an idle host (or one that only
   * runs providers) pays nothing for them (~10 MB of RSS each).
   */
  ensure(): void {
    const base = this.all.filter((s) => !s.elastic).length;
    for (let i = base; i < this.size; i++) this.spawn();
  }

  spawn(elastic = false): WorkerSlot {
    const slot = new WorkerSlot(this.owner, false);
    slot.elastic = elastic;
    this.all.push(slot);
    slot.ready.then(
      () => {
        for (const spec of this.active.values()) {
          slot.load(spec).catch((error: unknown) => this.logger.warn({ err: error, key: spec.key }, 'preload in a new worker failed'));
        }
        // Extra workers come and go with load: only the pool's own listen for the http-server.
        if (!elastic && !slot.dead) this.ingress.attach(slot);
        this.events.ready(slot);
      },
      (error: unknown) => this.logger.error({ err: error }, 'worker failed to start'),
    );
    return slot;
  }

  /**
   * Loads a version into every pool worker (pre-instantiating its spares). Resolves as soon as
   * one worker has it ready, so a worker busy with a long invocation does not hold up a scale;
   * the others load in the background, and replacement workers load every active version.
   */
  async preload(spec: LoadSpec): Promise<void> {
    if (this.stopped) throw new RuntimeStoppedError();
    this.ensure();
    this.active.set(spec.key, spec);
    const loads = this.all.map(async (slot) => {
      await slot.ready;
      await slot.load(spec);
    });
    // Late failures (a worker replaced mid-load) must not become unhandled rejections.
    for (const load of loads) load.catch(() => undefined);
    try {
      await Promise.any(loads);
    } catch (error) {
      this.active.delete(spec.key);
      throw error instanceof AggregateError && error.errors[0] instanceof Error ? error.errors[0] : error;
    }
  }

  unload(key: string): void {
    this.active.delete(key);
    this.instantiations.delete(key);
    for (const slot of this.all) slot.unload(key);
  }

  /** A worker made an instance of version `key`. */
  instantiated(key: string): void {
    this.instantiations.set(key, (this.instantiations.get(key) ?? 0) + 1);
  }

  /**
   * Workers by state and ready instances per loaded version, read when metrics are scraped: idle,
   * busy (running a guest), blocked (running one that waits on a host call).
   */
  counts(): WorkerCounts {
    let busy = 0;
    let blocked = 0;
    for (const slot of this.all) {
      if (slot.running.size === 0) continue;
      if (slot.hostCallsInFlight > 0) blocked++;
      else busy++;
    }
    const spares = new Map<string, number>();
    for (const [key, spec] of this.active) {
      let ready = 0;
      for (const slot of this.idle) if (!slot.dead && slot.loads.has(key)) ready += spec.spares;
      spares.set(key, ready);
    }
    return { idle: this.all.length - busy - blocked, busy, blocked, spares };
  }

  /** Removes a worker (terminating it) and, unless `replace` is false, starts its replacement. */
  retire(slot: WorkerSlot, reason: Error, replace = true): void {
    if (slot.dead) return;
    slot.dead = true;
    this.ingress.detach(slot);
    this.owner.hostCalls.calls.ended(slot);
    slot.closeChannel();
    slot.failLoads(reason);
    const index = this.all.indexOf(slot);
    if (index >= 0) this.all.splice(index, 1);
    const idleIndex = this.idle.indexOf(slot);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
    clearTimeout(slot.idleTimer);
    void slot.worker.terminate().then(() => this.releaseHeld(slot));
    // An elastic worker is not replaced: the pool shrinks back towards its size.
    if (!this.stopped && replace && !slot.elastic) {
      const fresh = this.spawn();
      this.logger.warn({ reason: reason.message, worker: fresh.worker.threadId }, 'worker replaced');
    }
  }

  /** A dead worker's ingress admissions go back to their components (ingress/types.ts, HELD_BYTES). */
  private releaseHeld(slot: WorkerSlot): void {
    for (let i = 0; i < slot.held.length; i++) {
      const held = Atomics.exchange(slot.held, i, 0);
      if (held <= 0) continue;
      Atomics.sub(this.admission, i * ADMISSION_WORDS + RUNNING, held);
      if (Atomics.load(this.admission, i * ADMISSION_WORDS + WAITING) > 0) this.events.released(i);
    }
  }

  /** Terminates every worker; the invocations they run fail with RuntimeStoppedError. */
  async terminate(): Promise<void> {
    await Promise.all(
      this.all.splice(0).map(async (slot) => {
        slot.dead = true;
        this.owner.hostCalls.calls.ended(slot);
        slot.closeChannel();
        for (const { pending } of slot.running.values()) {
          clearTimeout(pending.timer);
          pending.reject(new RuntimeStoppedError());
        }
        slot.running.clear();
        await slot.worker.terminate();
      }),
    );
  }
}
