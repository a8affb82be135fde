/**
 * The pool decides where invocations run. Each worker runs one invocation at a time; invocations
 * wait in one FIFO for an idle worker. A deadline terminates the worker running the late
 * invocation (the only way to stop a wasm loop) and a fresh worker replaces it; the others keep
 * serving. Workers beyond the pool size start while others are blocked on host calls and stop
 * when idle. Its workers (worker-slot.ts) only report; host calls are served through `HostCalls`
 * (host-calls.ts), which the runtime wraps with the HTTP body routing (http-bodies.ts).
 */
import type { Logger } from '../lib/logger.js';
import { traceLogFields } from '../lib/telemetry/tracing.js';
import { RuntimeStoppedError } from './errors.js';
import { deadlinePassed, startFailed, workerDied, workerEnded } from './failures.js';
import { HostCallServer, type HostCalls } from './host-calls.js';
import { createHandleControl, HandleControl } from './worker/handle-cache.js';
import { IngressController } from './ingress/controller.js';
import { ADMISSION_SLOTS, ADMISSION_WORDS, RUNNING, WAITING } from './ingress/types.js';
import type { InvokeMessage, LoadSpec, Outcome, Pending } from './invocation.js';
import type { WorkerToMain } from './worker-messages.js';
import { WorkerSlot, type SlotOwner } from './worker-slot.js';

/** An extra worker (started while others waited on host calls) stops after this long idle. */
const ELASTIC_IDLE_MS = 10_000;
/** Absolute ceiling on workers, even to break a chain of blocked link calls. */
const HARD_MAX_WORKERS = 64;

interface Job {
  spec: LoadSpec;
  message: InvokeMessage;
  pending: Pending;
}

export class WorkerPool implements SlotOwner {
  private readonly slots: WorkerSlot[] = [];
  private readonly idle: WorkerSlot[] = [];
  private readonly jobs: Job[] = [];
  /** Versions every pool worker should have loaded (replacement workers load them too). */
  private readonly active = new Map<string, LoadSpec>();
  private nextId = 1;
  private stopped = false;
  /** Serves the guests' host calls (the runtime's HTTP body routing around the import handler). */
  readonly hostCalls: HostCallServer;
  /** Component instances created per version key, over every worker (resets are not counted). */
  readonly instantiations = new Map<string, number>();
  /** Workers with invocations written this turn, woken together at its end. */
  private readonly toWake = new Set<WorkerSlot>();
  private wakeScheduled = false;
  /** Per component [running, max, waiting], shared with every worker (ingress/types.ts). */
  readonly admissionMemory = new SharedArrayBuffer(ADMISSION_SLOTS * ADMISSION_WORDS * 4);
  readonly admission = new Int32Array(this.admissionMemory);
  /** The workers' copies of the host's open handles (worker/handle-cache.ts). */
  readonly handles = new HandleControl(createHandleControl());
  /** The http-server's listeners in the workers. */
  readonly ingress: IngressController;
  /** A worker freed an instance slot while invocations wait for one (the runtime wakes them). */
  onReleased: ((slot: number) => void) | undefined;

  /**
   * @param size workers that run guests (CPU-bound work)
   * @param maxSize ceiling when workers are blocked on host calls (a guest waiting for a NATS
   *   request or an outgoing HTTP call holds its worker but no CPU): extra workers start so that
   *   `size` can still run, and stop after `ELASTIC_IDLE_MS` without work.
   */
  constructor(
    readonly size: number,
    hostCalls: HostCalls,
    readonly logger: Logger,
    readonly bridgeTimeoutMs: number,
    readonly maxSize: number = size * 4,
    readonly bridgeSpinUs: number = 50,
  ) {
    this.hostCalls = new HostCallServer(hostCalls, logger, this);
    this.ingress = new IngressController(this.admission, logger, async () => {
      if (this.stopped) throw new RuntimeStoppedError();
      this.ensureWorkers();
      await Promise.any(this.slots.filter((s) => !s.elastic).map((s) => s.ready));
    });
  }

  /**
   * Workers start with the first component, not with the host: an idle host (or one that only
   * runs providers) pays nothing for them (~10 MB of RSS each).
   */
  private ensureWorkers(): void {
    const base = this.slots.filter((s) => !s.elastic).length;
    for (let i = base; i < this.size; i++) this.spawn();
  }

  /**
   * Workers by state and ready instances per loaded version, read when metrics are scraped: idle,
   * busy (running a guest), blocked (running one that waits on a host call); `spares` counts the
   * pre-instantiated instances idle workers hold ready per version key.
   */
  stats(): { idle: number; busy: number; blocked: number; spares: Map<string, number> } {
    let busy = 0;
    let blocked = 0;
    for (const slot of this.slots) {
      if (!slot.current) continue;
      if (slot.hostCallsInFlight > 0) blocked++;
      else busy++;
    }
    const spares = new Map<string, number>();
    for (const [key, spec] of this.active) {
      let ready = 0;
      for (const slot of this.idle) if (!slot.dead && slot.loads.has(key)) ready += spec.spares;
      spares.set(key, ready);
    }
    return { idle: this.slots.length - busy - blocked, busy, blocked, spares };
  }

  /** How many workers exist now (tests and benchmarks read this). */
  get workerCount(): number {
    return this.slots.length;
  }

  private spawn(elastic = false): WorkerSlot {
    const slot = new WorkerSlot(this, false);
    slot.elastic = elastic;
    this.slots.push(slot);
    slot.ready.then(
      () => {
        for (const spec of this.active.values()) {
          slot.load(spec).catch((error: unknown) => this.logger.warn({ err: error, key: spec.key }, 'preload in a new worker failed'));
        }
        // Extra workers come and go with load: only the pool's own listen for the http-server.
        if (!elastic && !slot.dead) this.ingress.attach(slot);
        this.onIdle(slot);
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
    this.ensureWorkers();
    this.active.set(spec.key, spec);
    const loads = this.slots.map(async (slot) => {
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
    for (const slot of this.slots) slot.unload(key);
  }

  /** Runs one invocation on the next idle worker, stopping it at the deadline. */
  execute(spec: LoadSpec, message: InvokeMessage, deadlineMs: number, traceparent?: string): Promise<Outcome> {
    if (this.stopped) return Promise.reject(new RuntimeStoppedError());
    return new Promise<Outcome>((resolve, reject) => {
      const pending: Pending = { resolve, reject, timer: undefined, componentId: spec.settings.componentId, deadlineMs, traceparent };
      this.jobs.push({ spec, message, pending });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (let i = 0; this.jobs.length && i < this.idle.length; ) {
      const slot = this.idle[i]!;
      if (slot.dead) {
        this.idle.splice(i, 1);
        continue;
      }
      // A worker serving an HTTP request itself (worker ingress) takes a job after it, unless it
      // is unavailable (see there).
      if (slot.unavailable) {
        i++;
        continue;
      }
      this.idle.splice(i, 1);
      clearTimeout(slot.idleTimer);
      void this.start(slot, this.jobs.shift()!);
    }
    if (this.jobs.length) this.grow();
  }

  /**
   * Starts an extra worker when blocked workers leave fewer than `size` able to run. Past
   * `maxSize` only when every worker is blocked: then the waiting job may be the very call the
   * blocked ones wait for (component A calling B through a link), and not starting it would
   * deadlock until the bridge timeout.
   */
  private grow(): void {
    if (this.stopped) return;
    const blocked = this.slots.filter((s) => (s.current && s.hostCallsInFlight > 0) || s.unavailable).length;
    if (this.slots.length - blocked >= this.size) return;
    if (this.slots.length >= this.maxSize && (blocked < this.slots.length || this.slots.length >= HARD_MAX_WORKERS)) return;
    this.spawn(true);
    this.logger.debug({ workers: this.slots.length, blocked }, 'extra worker started: others wait on host calls');
  }

  /** Wakes `slot` at the end of this turn of the event loop, with whatever else was written. */
  wakeLater(slot: WorkerSlot): void {
    this.toWake.add(slot);
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      for (const waiting of this.toWake) waiting.wakeWorker();
      this.toWake.clear();
    });
  }

  onBlocked(): void {
    if (this.jobs.length) this.grow();
  }

  // What the slots report.

  result(slot: WorkerSlot, id: number, outcome: Outcome): void {
    if (!slot.current || slot.current.id !== id) return;
    const { pending } = slot.current;
    slot.current = null;
    clearTimeout(pending.timer);
    this.hostCalls.calls.ended(slot);
    pending.resolve(outcome);
    this.onIdle(slot);
  }

  message(slot: WorkerSlot, message: WorkerToMain): void {
    switch (message.type) {
      case 'log': {
        const traceparent = slot.current?.pending.traceparent;
        this.logger.info(
          traceparent
            ? { component_id: message.componentId, stream: message.stream, ...traceLogFields(traceparent) }
            : { component_id: message.componentId, stream: message.stream },
          message.line,
        );
        return;
      }
      case 'instantiated':
        this.instantiations.set(message.key, (this.instantiations.get(message.key) ?? 0) + 1);
        return;
      case 'ingress-opened':
      case 'ingress-closed':
      case 'ingress-stats':
      case 'ingress-relay':
        this.ingress.onMessage(slot, message);
        return;
      case 'released':
        this.onReleased?.(message.slot);
        return;
      default:
        this.hostCalls.calls.message(message);
    }
  }

  private async start(slot: WorkerSlot, job: Job): Promise<void> {
    const id = this.nextId++;
    slot.current = { id, pending: job.pending };
    // The deadline covers loading too: a version not yet in this worker is part of the request.
    job.pending.timer = setTimeout(() => this.expire(slot, id), job.pending.deadlineMs);
    try {
      await slot.load(job.spec);
    } catch (error) {
      if (slot.current?.id !== id) return;
      slot.current = null;
      clearTimeout(job.pending.timer);
      job.pending.reject(startFailed(error));
      if (!slot.dead) this.onIdle(slot);
      return;
    }
    if (slot.current?.id !== id) return;
    slot.invoke({ type: 'invoke', ...job.message, id, key: job.spec.key });
  }

  private expire(slot: WorkerSlot, id: number): void {
    if (slot.current?.id !== id) return;
    const { pending } = slot.current;
    slot.current = null;
    this.retire(slot, deadlinePassed(pending));
    pending.reject(deadlinePassed(pending));
  }

  /** Ends a worker from outside the pool (the ingress watchdog). */
  retireSlot(slot: WorkerSlot, reason: Error): void {
    const current = slot.current;
    slot.current = null;
    this.retire(slot, reason);
    if (current) {
      clearTimeout(current.pending.timer);
      current.pending.reject(workerEnded(current.pending, reason));
    }
  }

  /** Removes a worker (terminating it) and starts its replacement. */
  private retire(slot: WorkerSlot, reason: Error, replace = true): void {
    if (slot.dead) return;
    slot.dead = true;
    this.ingress.detach(slot);
    this.hostCalls.calls.ended(slot);
    slot.closeChannel();
    slot.failLoads(reason);
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
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
      if (Atomics.load(this.admission, i * ADMISSION_WORDS + WAITING) > 0) this.onReleased?.(i);
    }
  }

  gone(slot: WorkerSlot, error: Error): void {
    if (slot.dead) return;
    const current = slot.current;
    slot.current = null;
    this.retire(slot, error);
    if (current) {
      clearTimeout(current.pending.timer);
      current.pending.reject(workerDied(current.pending, error));
    }
  }

  onIdle(slot: WorkerSlot): void {
    if (slot.dead || this.stopped) return;
    this.idle.push(slot);
    this.dispatch();
    if (slot.elastic && this.idle.includes(slot)) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = setTimeout(() => {
        if (this.idle.includes(slot) && this.slots.length > this.size) this.retire(slot, new Error('idle extra worker'), false);
      }, ELASTIC_IDLE_MS);
      slot.idleTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ingress.stop();
    for (const job of this.jobs.splice(0)) job.pending.reject(new RuntimeStoppedError());
    await Promise.all(
      this.slots.splice(0).map(async (slot) => {
        slot.dead = true;
        this.hostCalls.calls.ended(slot);
        slot.closeChannel();
        slot.current?.pending.reject(new RuntimeStoppedError());
        clearTimeout(slot.current?.pending.timer);
        await slot.worker.terminate();
      }),
    );
  }
}
