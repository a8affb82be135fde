/**
 * The pool decides where invocations run. Invocations wait in one FIFO for an idle worker, which
 * runs one at a time; under JSPI a worker whose invocations are all suspended on host calls takes
 * one more of the same component (up to worker-slot.ts's MAX_IN_FLIGHT), so a guest waiting on
 * its provider costs a stack, not a thread. A deadline terminates the worker running the late
 * invocation (the only way to stop a wasm loop) and a fresh worker replaces it; the others keep
 * serving. A late invocation suspended on a host call is answered at its deadline instead, and
 * its worker ends only if it then runs on past another one. Workers beyond the pool size start
 * while others are blocked on host calls and stop when idle. The workers themselves, the
 * versions they hold and their ends are pool-workers.ts's;
 * each (worker-slot.ts) only reports. Host calls are served through `HostCalls` (host-calls.ts),
 * which the runtime wraps with the HTTP body routing (http-bodies.ts).
 */
import type { Logger } from '../lib/logger.js';
import { traceLogFields } from '../lib/telemetry/tracing.js';
import { RuntimeStoppedError } from './errors.js';
import { deadlinePassed, startFailed, workerDied, workerEnded } from './failures.js';
import { HostCallServer, type HostCalls } from './host-calls.js';
import { createHandleControl, HandleControl } from './worker/handle-cache.js';
import { IngressController } from './ingress/controller.js';
import { ADMISSION_SLOTS, ADMISSION_WORDS } from './ingress/types.js';
import type { InvokeMessage, LoadSpec, Outcome, Pending } from './invocation.js';
import { PoolWorkers } from './pool-workers.js';
import type { WorkerToMain } from './worker-messages.js';
import type { InFlight, SlotOwner, WorkerSlot } from './worker-slot.js';

/** An extra worker (started while others waited on host calls) stops after this long idle. */
const ELASTIC_IDLE_MS = 10_000;
/** Absolute ceiling on workers, even to break a chain of blocked link calls. */
const HARD_MAX_WORKERS = 64;
/** Queued jobs looked at for a waiting worker per dispatch (a long queue is not scanned whole each time). */
const PILE_SCAN = 64;

interface Job {
  spec: LoadSpec;
  message: InvokeMessage;
  pending: Pending;
}

export class WorkerPool implements SlotOwner {
  private readonly jobs: Job[] = [];
  private nextId = 1;
  /** Serves the guests' host calls (the runtime's HTTP body routing around the import handler). */
  readonly hostCalls: HostCallServer;
  /** The workers, the versions they hold (preload, unload) and their instantiation counts. */
  readonly workers: PoolWorkers;
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
  readonly maxSize: number;
  readonly bridgeSpinUs: number;
  readonly guestLogLevel: number;
  /** A worker freed an instance slot while invocations wait for one (the runtime wakes them). */
  onReleased: ((slot: number) => void) | undefined;

  /**
   * @param size workers that run guests (CPU-bound work)
   * @param maxSize ceiling when workers are blocked on host calls (a guest waiting for a NATS
   *   request or an outgoing HTTP call holds its worker but no CPU): extra workers start so that
   *   `size` can still run, and stop after `ELASTIC_IDLE_MS` without work.
   * @param bridgeSpinUs busy-wait before sleeping on a host call
   * @param guestLogLevel wasi:logging lines below this pino level value are dropped in the workers
   */
  constructor(
    readonly size: number,
    hostCalls: HostCalls,
    readonly logger: Logger,
    readonly bridgeTimeoutMs: number,
    { maxSize = size * 4, bridgeSpinUs = 50, guestLogLevel = 0 }: { maxSize?: number; bridgeSpinUs?: number; guestLogLevel?: number } = {},
  ) {
    this.maxSize = maxSize;
    this.bridgeSpinUs = bridgeSpinUs;
    this.guestLogLevel = guestLogLevel;
    this.hostCalls = new HostCallServer(hostCalls, logger, this);
    this.ingress = new IngressController(this.admission, logger, async () => {
      if (this.stopped) throw new RuntimeStoppedError();
      this.workers.ensure();
      await Promise.any(this.workers.all.filter((s) => !s.elastic).map((s) => s.ready));
    });
    this.workers = new PoolWorkers(this, size, this.ingress, this.admission, {
      ready: (slot) => this.onIdle(slot),
      released: (slot) => this.onReleased?.(slot),
    });
  }

  private get stopped(): boolean {
    return this.workers.stopped;
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
    const idle = this.workers.idle;
    for (let i = 0; this.jobs.length && i < idle.length; ) {
      const slot = idle[i]!;
      if (slot.dead) {
        idle.splice(i, 1);
        continue;
      }
      // A worker serving an HTTP request itself (worker ingress) takes a job after it, unless it
      // is unavailable (see there).
      if (slot.unavailable) {
        i++;
        continue;
      }
      idle.splice(i, 1);
      clearTimeout(slot.idleTimer);
      void this.start(slot, this.jobs.shift()!);
    }
    // Under JSPI: to workers whose invocations all wait. The job given has not suspended yet, so a
    // worker takes one more at a time.
    for (let i = 0; i < this.jobs.length && i < PILE_SCAN; ) {
      const slot = this.waitingSlot(this.jobs[i]!.pending.componentId);
      if (slot) void this.start(slot, this.jobs.splice(i, 1)[0]!);
      else i++;
    }
    if (this.jobs.length) this.grow();
  }

  /**
   * The least loaded worker with room whose invocations all wait on host calls (JSPI), and are
   * all `componentId`'s: a guest that runs past its deadline ends its worker, and with it only
   * invocations of its own component.
   */
  private waitingSlot(componentId: string): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    for (const slot of this.workers.all) {
      if (slot.dead || slot.unavailable || !slot.waitsOnlyFor(componentId)) continue;
      if (!best || slot.running.size < best.running.size) best = slot;
    }
    return best;
  }

  /**
   * Starts an extra worker when blocked workers leave fewer than `size` able to run. Past
   * `maxSize` only when every worker is blocked: then the waiting job may be the very call the
   * blocked ones wait for (component A calling B through a link), and not starting it would
   * deadlock until the bridge timeout. A worker whose guests are suspended (JSPI) and will take
   * the next job as they all wait is not blocked for it.
   */
  private grow(): void {
    if (this.stopped) return;
    const all = this.workers.all;
    const next = this.jobs[0]!.pending.componentId;
    const blocked = all.filter((s) => s.unavailable || (s.running.size > 0 && s.hostCallsInFlight > 0 && !s.willTake(next))).length;
    if (all.length - blocked >= this.size) return;
    if (all.length >= this.maxSize && (blocked < all.length || all.length >= HARD_MAX_WORKERS)) return;
    this.workers.spawn(true);
    this.logger.debug({ workers: all.length, blocked }, 'extra worker started: others wait on host calls');
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

  /** A guest blocks or suspends on a host call: its worker may take a job now, or another start. */
  onBlocked(): void {
    if (this.jobs.length) this.dispatch();
  }

  // What the slots report.

  result(slot: WorkerSlot, id: number, outcome: Outcome): void {
    const inFlight = slot.running.get(id);
    if (!inFlight) return;
    slot.running.delete(id);
    clearTimeout(inFlight.pending.timer);
    this.hostCalls.calls.ended(slot, id);
    if (!inFlight.abandoned) inFlight.pending.resolve(outcome);
    if (slot.running.size === 0) this.onIdle(slot);
    else if (this.jobs.length) this.dispatch();
  }

  message(slot: WorkerSlot, message: WorkerToMain): void {
    switch (message.type) {
      case 'log': {
        const traceparent = slot.running.get(message.invocation)?.pending.traceparent;
        this.logger.info(
          traceparent
            ? { component_id: message.componentId, stream: message.stream, ...traceLogFields(traceparent) }
            : { component_id: message.componentId, stream: message.stream },
          message.line,
        );
        return;
      }
      case 'instantiated':
        this.workers.instantiated(message.key);
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
    const inFlight: InFlight = { pending: job.pending, suspendedCalls: 0, abandoned: false };
    slot.running.set(id, inFlight);
    // The deadline covers loading too: a version not yet in this worker is part of the request.
    job.pending.timer = setTimeout(() => this.expire(slot, id), job.pending.deadlineMs);
    try {
      await slot.load(job.spec);
    } catch (error) {
      if (slot.running.get(id) !== inFlight) return;
      slot.running.delete(id);
      clearTimeout(job.pending.timer);
      job.pending.reject(startFailed(error));
      if (!slot.dead && slot.running.size === 0) this.onIdle(slot);
      return;
    }
    if (slot.running.get(id) !== inFlight) return;
    slot.invoke({ type: 'invoke', ...job.message, id, key: job.spec.key });
  }

  /**
   * Invocation `id` passed its deadline. Suspended on a host call, it uses no CPU: its caller is
   * answered now and the guest may finish later, unheard, watched by a deadline of the same length
   * (a guest that then runs away is still stopped). Otherwise it runs (or waits behind one that
   * does) and only ending its worker stops it; what else ran there ends with it.
   */
  private expire(slot: WorkerSlot, id: number): void {
    const inFlight = slot.running.get(id);
    if (!inFlight) return;
    const { pending } = inFlight;
    if (inFlight.suspendedCalls > 0) {
      if (!inFlight.abandoned) pending.reject(deadlinePassed(pending, true));
      inFlight.abandoned = true;
      pending.timer = setTimeout(() => this.expire(slot, id), pending.deadlineMs);
      return;
    }
    slot.running.delete(id);
    const reason = deadlinePassed(pending);
    this.endAll(slot, reason, workerEnded);
    this.workers.retire(slot, reason);
    if (!inFlight.abandoned) pending.reject(reason);
  }

  /** Ends a worker from outside the pool (the ingress watchdog). */
  retireSlot(slot: WorkerSlot, reason: Error): void {
    this.endAll(slot, reason, workerEnded);
    this.workers.retire(slot, reason);
  }

  gone(slot: WorkerSlot, error: Error): void {
    if (slot.dead) return;
    this.endAll(slot, error, workerDied);
    this.workers.retire(slot, error);
  }

  /** Fails every invocation still running on `slot`, whose worker ends because of `reason`. */
  private endAll(slot: WorkerSlot, reason: Error, why: typeof workerEnded): void {
    for (const { pending, abandoned } of slot.running.values()) {
      clearTimeout(pending.timer);
      if (!abandoned) pending.reject(why(pending, reason));
    }
    slot.running.clear();
  }

  onIdle(slot: WorkerSlot): void {
    if (slot.dead || this.stopped) return;
    const idle = this.workers.idle;
    idle.push(slot);
    this.dispatch();
    if (slot.elastic && idle.includes(slot)) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = setTimeout(() => {
        if (idle.includes(slot) && this.workers.all.length > this.size) this.workers.retire(slot, new Error('idle extra worker'), false);
      }, ELASTIC_IDLE_MS);
      slot.idleTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.workers.stopped = true;
    this.ingress.stop();
    for (const job of this.jobs.splice(0)) job.pending.reject(new RuntimeStoppedError());
    await this.workers.terminate();
  }
}
