/**
 * The worker threads that run guests. Each worker runs one invocation at a time; invocations wait
 * in one FIFO for an idle worker. A deadline terminates the worker running the late invocation
 * (the only way to stop a wasm loop) and a fresh worker replaces it; the others keep serving.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../lib/logger.js';
import { traceLogFields } from '../lib/telemetry/tracing.js';
import { InvocationTimeoutError, RuntimeStoppedError, WorkerCrashError } from './errors.js';
import { serveHostCall, type ImportHandler } from './host-calls.js';
import type { WorkerInit } from './worker/entry.js';
import { BODY_IFACE, HttpStreams } from './http-streams.js';
import { createChannelMemory, RecordKind, RecordReader, RecordWriter } from './channel/records.js';
import { createHandleControl, HandleControl } from './worker/handle-cache.js';
import { IngressController, type IngressWorker } from './ingress/controller.js';
import {
  ADMISSION_SLOTS,
  ADMISSION_WORDS,
  HELD_BYTES,
  RUNNING,
  W_RELAYS,
  W_STATE,
  WAITING,
  WATCH_BYTES,
  WATCH_DEADLINE_OFFSET,
  WATCH_RUNNING,
} from './ingress/types.js';
import type { Failure, HostCallReply, HttpRequest, HttpStreaming, InstanceSettings, MainToWorker, WorkerToMain } from './worker-messages.js';

const ENTRY = new URL('./worker/entry.js', import.meta.url);
/** An extra worker (started while others waited on host calls) stops after this long idle. */
const ELASTIC_IDLE_MS = 10_000;
/** Absolute ceiling on workers, even to break a chain of blocked link calls. */
const HARD_MAX_WORKERS = 64;

/** A component version the workers can load: glue path, compiled core modules, settings. */
export interface LoadSpec {
  key: string;
  gluePath: string;
  modules: Record<string, WebAssembly.Module>;
  settings: InstanceSettings;
  /** Pre-instantiated instances each worker keeps for this version. */
  spares: number;
}

export type InvokeMessage =
  | { kind: 'call'; iface: string; fn: string; args: unknown[] }
  | { kind: 'http'; request: HttpRequest; stream?: HttpStreaming }
  | { kind: 'run' };

export type Outcome = { ok: true; value: unknown } | { ok: false; failure: Failure };

interface Pending {
  resolve(outcome: Outcome): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
  componentId: string;
  deadlineMs: number;
  /** The invocation's trace context, when it is traced: its host calls and logs carry it. */
  traceparent: string | undefined;
}

type Invoke = Extract<MainToWorker, { type: 'invoke' }>;
const WAKE: MainToWorker = { type: 'wake' };

type HostCall = Extract<WorkerToMain, { type: 'host-call' }>;
type HostDrop = Extract<WorkerToMain, { type: 'host-drop' }>;

class WorkerSlot implements IngressWorker {
  readonly worker: Worker;
  private readonly replyPort: MessagePort;
  private readonly channel = createChannelMemory();
  private readonly watchMemory = new SharedArrayBuffer(WATCH_BYTES);
  readonly watch = new Int32Array(this.watchMemory, 0, 6);
  readonly deadline = new Float64Array(this.watchMemory, WATCH_DEADLINE_OFFSET, 1);
  private readonly heldMemory = new SharedArrayBuffer(HELD_BYTES);
  readonly held = new Int32Array(this.heldMemory);
  private readonly invocations = new RecordWriter(this.channel.toWorker, () => this.worker.postMessage(WAKE));
  private readonly results = new RecordReader(this.channel.toMain);
  private readonly replies = new RecordWriter(this.channel.replies);
  readonly loads = new Map<string, Promise<void>>();
  private readonly loadWaiters = new Map<string, { resolve(): void; reject(e: Error): void }>();
  current: { id: number; pending: Pending } | null = null;
  dead = false;
  /** Host calls the guest is blocked on: the worker uses no CPU meanwhile. */
  hostCallsInFlight = 0;
  /** Started beyond the pool size because others were blocked on the host; retired when idle. */
  elastic = false;
  idleTimer: NodeJS.Timeout | undefined;
  readonly ready: Promise<void>;

  constructor(
    private readonly pool: WorkerPool,
    readonly dedicated: boolean,
  ) {
    const channel = new MessageChannel();
    this.replyPort = channel.port1;
    this.worker = new Worker(ENTRY, {
      workerData: {
        replyPort: channel.port2,
        channel: this.channel,
        admission: pool.admissionMemory,
        watch: this.watchMemory,
        held: this.heldMemory,
        handles: pool.handles.memory,
        bridgeTimeoutMs: pool.bridgeTimeoutMs,
        bridgeSpinUs: pool.bridgeSpinUs,
      } satisfies Omit<WorkerInit, 'replyPort'> & { replyPort: MessagePort },
      transferList: [channel.port2],
      stdout: false,
      stderr: false,
    });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: WorkerToMain): void => {
        if (message.type === 'ready') {
          this.worker.off('error', reject);
          resolve();
        }
      };
      this.worker.once('error', reject);
      this.worker.on('message', onMessage);
    });
    this.worker.on('message', (message: WorkerToMain) => this.onMessage(message));
    this.worker.on('error', (error: unknown) =>
      this.pool.onWorkerGone(this, error instanceof Error ? error : new WorkerCrashError(`worker threw ${String(error)}`)),
    );
    this.worker.on('exit', (code) => this.pool.onWorkerGone(this, new WorkerCrashError(`worker exited with code ${code}`)));
    if (dedicated) this.worker.unref();
    this.pumpResults();
  }

  /**
   * Sends an invocation by the ring (the worker is woken once for everything written in this turn
   * of the event loop), or by postMessage when it does not fit there.
   */
  invoke(message: Invoke): void {
    const { type: _type, id, ...rest } = message;
    if (message.kind !== 'run' && this.invocations.tryWrite(RecordKind.Invoke, id, rest, true)) this.pool.wakeLater(this);
    else this.post(message);
  }

  wakeWorker(): void {
    this.invocations.wake();
  }

  /** Takes every result waiting in the ring, then sleeps until the worker posts `wake`. */
  private pumpResults(): void {
    do {
      if (this.dead) return;
      this.drainResults();
    } while (!this.results.sleep());
  }

  private drainResults(): void {
    for (let record = this.results.next(); record; record = this.results.next()) {
      if (record.kind === RecordKind.Result) this.onMessage({ type: 'result', id: record.id, ...(record.message as object) } as WorkerToMain);
      else if (record.kind === RecordKind.HostCall) this.hostCall({ type: 'host-call', seq: record.id, ...(record.message as object) } as HostCall);
      else if (record.kind === RecordKind.HostDrop) this.hostDrop({ type: 'host-drop', ...(record.message as object) } as HostDrop);
    }
  }

  private onMessage(message: WorkerToMain): void {
    switch (message.type) {
      case 'loaded': {
        const waiter = this.loadWaiters.get(message.key);
        this.loadWaiters.delete(message.key);
        if (message.error) waiter?.reject(new WorkerCrashError(`loading ${message.key} failed: ${message.error}`));
        else waiter?.resolve();
        return;
      }
      case 'result': {
        if (!this.current || this.current.id !== message.id) return;
        const { pending } = this.current;
        this.current = null;
        clearTimeout(pending.timer);
        this.releaseExchanges();
        pending.resolve(message.ok ? { ok: true, value: message.value } : { ok: false, failure: message.failure });
        this.pool.onIdle(this);
        return;
      }
      case 'host-call':
        this.hostCall(message);
        return;
      case 'host-drop':
        this.hostDrop(message);
        return;
      case 'http-head':
        this.pool.streams.head(message.stream, message.status, message.headers);
        return;
      case 'http-chunk':
        this.pool.streams.chunk(message.stream, message.bytes);
        return;
      case 'log': {
        const traceparent = this.current?.pending.traceparent;
        this.pool.logger.info(
          traceparent
            ? { component_id: message.componentId, stream: message.stream, ...traceLogFields(traceparent) }
            : { component_id: message.componentId, stream: message.stream },
          message.line,
        );
        return;
      }
      case 'instantiated':
        this.pool.instantiations.set(message.key, (this.pool.instantiations.get(message.key) ?? 0) + 1);
        return;
      case 'ready':
        return;
      case 'wake':
        this.results.awake();
        this.pumpResults();
        return;
      case 'ingress-opened':
      case 'ingress-closed':
      case 'ingress-stats':
      case 'ingress-relay':
        this.pool.ingress.onMessage(this, message);
        return;
      case 'released':
        this.pool.onReleased?.(message.slot);
        return;
    }
  }

  private hostCall(message: HostCall): void {
    this.hostCallsInFlight++;
    this.pool.onBlocked();
    // Streamed HTTP bodies are the runtime's own: they never reach the import handler.
    void serveHostCall(
      message.iface === BODY_IFACE ? this.pool.streams.handler : this.pool.importHandler,
      this.pool.logger,
      message.seq,
      message.componentId,
      message.iface,
      message.fn,
      message.args,
      message.linkName,
      this.current?.pending.traceparent,
    ).then((reply) => {
      this.hostCallsInFlight--;
      if (message.iface === BODY_IFACE && message.fn === 'send' && reply.ok) this.exchanges.push(reply.value as number);
      if (this.dead) {
        this.releaseExchanges();
        return;
      }
      this.answer(reply);
    });
  }

  /** Answers by the reply ring; by the reply port (announced on the ring) when it does not fit. */
  private answer(reply: HostCallReply): void {
    const { seq, ...rest } = reply;
    if (this.replies.tryWrite(RecordKind.Reply, seq, rest)) return;
    try {
      this.replyPort.postMessage(reply);
    } catch (error) {
      this.replyPort.postMessage({ seq, ok: false, witError: false, message: `reply cannot cross to the worker: ${String(error)}` });
    }
    // The ring only announces it; if even that does not fit, the worker's wait times out.
    if (!this.replies.tryWrite(RecordKind.PortReply, seq, null)) this.pool.logger.error({ seq }, 'reply ring full: a host call will time out');
  }

  private hostDrop(message: HostDrop): void {
    this.pool
      .importHandler(message.componentId, message.iface, message.fn, message.args, { linkName: message.linkName })
      .catch((error: unknown) => this.pool.logger.debug({ component_id: message.componentId, err: error }, 'resource drop failed'));
  }

  /** Outgoing HTTP requests the current invocation started; they end with it. */
  private readonly exchanges: number[] = [];

  releaseExchanges(): void {
    for (const id of this.exchanges.splice(0)) this.pool.streams.closeExchange(id);
  }

  retire(reason: Error): void {
    this.pool.retireSlot(this, reason);
  }

  /** The worker runs a component for an HTTP request it accepted itself (worker ingress). */
  get serving(): boolean {
    return Atomics.load(this.watch, W_STATE) === WATCH_RUNNING;
  }

  /**
   * Not to be given an invocation now: it serves a request itself that waits on a host call (the
   * invocation may be the very call it waits for), or it relays a request body (an invocation
   * reading that body would block the loop that feeds it).
   */
  get unavailable(): boolean {
    return (this.hostCallsInFlight > 0 && this.serving) || Atomics.load(this.watch, W_RELAYS) > 0;
  }

  /** The worker is gone: nothing more arrives on its rings. */
  closeChannel(): void {
    this.results.interrupt();
  }

  load(spec: LoadSpec): Promise<void> {
    let loading = this.loads.get(spec.key);
    if (!loading) {
      loading = new Promise<void>((resolve, reject) => this.loadWaiters.set(spec.key, { resolve, reject }));
      this.loads.set(spec.key, loading);
      loading.catch(() => this.loads.delete(spec.key));
      this.post({ type: 'load', key: spec.key, gluePath: spec.gluePath, modules: spec.modules, settings: spec.settings, spares: spec.spares });
    }
    return loading;
  }

  unload(key: string): void {
    if (this.loads.delete(key)) this.post({ type: 'unload', key });
  }

  post(message: MainToWorker): void {
    this.worker.postMessage(message);
  }

  failLoads(error: Error): void {
    for (const waiter of this.loadWaiters.values()) waiter.reject(error);
    this.loadWaiters.clear();
  }
}

interface Job {
  spec: LoadSpec;
  message: InvokeMessage;
  pending: Pending;
}

export class WorkerPool {
  private readonly slots: WorkerSlot[] = [];
  private readonly idle: WorkerSlot[] = [];
  private readonly jobs: Job[] = [];
  /** Versions every pool worker should have loaded (replacement workers load them too). */
  private readonly active = new Map<string, LoadSpec>();
  private nextId = 1;
  private stopped = false;
  /** HTTP bodies streaming to and from invocations in flight. */
  readonly streams: HttpStreams;
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
    readonly importHandler: ImportHandler,
    readonly logger: Logger,
    readonly bridgeTimeoutMs: number,
    readonly maxSize: number = size * 4,
    readonly bridgeSpinUs: number = 50,
  ) {
    this.streams = new HttpStreams(importHandler);
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
      job.pending.reject(error instanceof Error ? error : new WorkerCrashError(String(error)));
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
    this.retire(slot, new InvocationTimeoutError(pending.componentId, pending.deadlineMs));
    pending.reject(new InvocationTimeoutError(pending.componentId, pending.deadlineMs));
  }

  /** Ends a worker from outside the pool (the ingress watchdog). */
  retireSlot(slot: WorkerSlot, reason: Error): void {
    const current = slot.current;
    slot.current = null;
    this.retire(slot, reason);
    if (current) {
      clearTimeout(current.pending.timer);
      current.pending.reject(
        new WorkerCrashError(`the worker running component ${current.pending.componentId} was ended: ${reason.message}`, { cause: reason }),
      );
    }
  }

  /** Removes a worker (terminating it) and starts its replacement. */
  private retire(slot: WorkerSlot, reason: Error, replace = true): void {
    if (slot.dead) return;
    slot.dead = true;
    this.ingress.detach(slot);
    slot.releaseExchanges();
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

  onWorkerGone(slot: WorkerSlot, error: Error): void {
    if (slot.dead) return;
    const current = slot.current;
    slot.current = null;
    if (slot.dedicated) {
      slot.dead = true;
      this.ingress.detach(slot);
      slot.releaseExchanges();
      slot.closeChannel();
      slot.failLoads(error);
    } else {
      this.retire(slot, error);
    }
    if (current) {
      clearTimeout(current.pending.timer);
      current.pending.reject(new WorkerCrashError(`the worker running component ${current.pending.componentId} died: ${error.message}`, { cause: error }));
    }
  }

  onIdle(slot: WorkerSlot): void {
    if (slot.dead || slot.dedicated || this.stopped) return;
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
        slot.releaseExchanges();
        slot.closeChannel();
        slot.current?.pending.reject(new RuntimeStoppedError());
        clearTimeout(slot.current?.pending.timer);
        await slot.worker.terminate();
      }),
    );
  }
}

/**
 * A worker of its own for a long-running `wasi:cli/run` service: it never returns to the pool and
 * is terminated when the component is scaled to zero.
 */
export class ServiceWorker {
  private readonly slot: WorkerSlot;

  constructor(pool: WorkerPool) {
    this.slot = new WorkerSlot(pool, true);
  }

  /** Starts `run`; the promise settles when the service ends on its own. */
  async start(spec: LoadSpec): Promise<Outcome> {
    await this.slot.ready;
    await this.slot.load({ ...spec, spares: 0 });
    return new Promise<Outcome>((resolve, reject) => {
      this.slot.current = {
        id: 0,
        pending: { resolve, reject, timer: undefined, componentId: spec.settings.componentId, deadlineMs: 0, traceparent: undefined },
      };
      this.slot.post({ type: 'invoke', id: 0, key: spec.key, kind: 'run' });
    });
  }

  async stop(): Promise<void> {
    this.slot.dead = true;
    this.slot.releaseExchanges();
    this.slot.closeChannel();
    await this.slot.worker.terminate();
  }

  get threadId(): number {
    return this.slot.worker.threadId;
  }
}
