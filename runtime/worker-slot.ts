/**
 * One worker thread of the pool and its rings. A slot sends what it is given (invocations,
 * loads, host-call answers) and reports what its worker sends back to its owner, the pool, which
 * decides what follows: scheduling, growth, retirement. It keeps only the state of its own
 * channel (loads in progress, ring wake-ups) and the fields the pool keeps per worker.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../lib/logger.js';
import { createChannelMemory, RecordKind, RecordReader, RecordWriter } from './channel/records.js';
import { loadFailed, workerExited, workerThrew } from './failures.js';
import type { HostCallServer } from './host-calls.js';
import type { IngressWorker } from './ingress/controller.js';
import { HELD_BYTES, W_RELAYS, W_STATE, WATCH_BYTES, WATCH_DEADLINE_OFFSET, WATCH_RUNNING } from './ingress/types.js';
import type { HostCall, HostDrop, Invoke, LoadSpec, Outcome, Pending } from './invocation.js';
import type { WorkerInit } from './worker/entry.js';
import type { HandleControl } from './worker/handle-cache.js';
import type { HostCallReply, MainToWorker, WorkerToMain } from './worker-messages.js';

const ENTRY = new URL('./worker/entry.js', import.meta.url);
const WAKE: MainToWorker = { type: 'wake' };

/**
 * Invocations one worker runs at once under JSPI, each suspended guest on a stack of its own
 * (runtime/jspi.ts): past this, jobs wait for a worker as they do without JSPI.
 */
export const MAX_IN_FLIGHT = 32;

/** An invocation a worker runs. */
export interface InFlight {
  pending: Pending;
  /** Host calls its guest is suspended on (JSPI): while it has one, it takes no CPU. */
  suspendedCalls: number;
  /** Its caller was already told that its deadline passed; the guest has yet to finish. */
  abandoned: boolean;
}

/** What a slot reports to, and what every worker starts with. */
export interface SlotOwner {
  readonly logger: Logger;
  /** Per component [running, max, waiting], shared with every worker (ingress/types.ts). */
  readonly admissionMemory: SharedArrayBuffer;
  readonly handles: HandleControl;
  readonly bridgeTimeoutMs: number;
  readonly bridgeSpinUs: number;
  readonly guestLogLevel: number;
  /** Serves the host calls and drops of the guests. */
  readonly hostCalls: HostCallServer;
  /** The invocation `id` ended in the worker (result ring or message). */
  result(slot: WorkerSlot, id: number, outcome: Outcome): void;
  /** Anything else the worker said (logs, instantiations, ingress, HTTP bodies). */
  message(slot: WorkerSlot, message: WorkerToMain): void;
  /** The worker exited or threw. */
  gone(slot: WorkerSlot, error: Error): void;
  /** Wake the worker at the end of this turn of the event loop, with the others written to. */
  wakeLater(slot: WorkerSlot): void;
  /** End the worker (a replacement starts): asked by the ingress watchdog. */
  retireSlot(slot: WorkerSlot, reason: Error): void;
}

export class WorkerSlot implements IngressWorker {
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
  private readonly calls: HostCallServer;
  readonly loads = new Map<string, Promise<void>>();
  private readonly loadWaiters = new Map<string, { resolve(): void; reject(e: Error): void }>();
  /**
   * The invocations the pool gave this worker, by id, until their results arrive (the pool adds
   * and removes them). One at a time, except under JSPI, where the pool gives more to a worker
   * whose invocations all wait on host calls (worker-pool.ts).
   */
  readonly running = new Map<number, InFlight>();
  dead = false;
  /** Host calls the guest is blocked on: the worker uses no CPU meanwhile. */
  hostCallsInFlight = 0;
  /** Started beyond the pool size because others were blocked on the host; retired when idle. */
  elastic = false;
  idleTimer: NodeJS.Timeout | undefined;
  readonly ready: Promise<void>;

  constructor(
    private readonly owner: SlotOwner,
    readonly dedicated: boolean,
  ) {
    this.calls = owner.hostCalls;
    const channel = new MessageChannel();
    this.replyPort = channel.port1;
    this.worker = new Worker(ENTRY, {
      workerData: {
        replyPort: channel.port2,
        channel: this.channel,
        admission: owner.admissionMemory,
        watch: this.watchMemory,
        held: this.heldMemory,
        handles: owner.handles.memory,
        bridgeTimeoutMs: owner.bridgeTimeoutMs,
        bridgeSpinUs: owner.bridgeSpinUs,
        guestLogLevel: owner.guestLogLevel,
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
    this.worker.on('error', (error: unknown) => this.owner.gone(this, workerThrew(error)));
    this.worker.on('exit', (code) => this.owner.gone(this, workerExited(code)));
    if (dedicated) this.worker.unref();
    this.pumpResults();
  }

  /**
   * Sends an invocation by the ring (the worker is woken once for everything written in this turn
   * of the event loop), or by postMessage when it does not fit there.
   */
  invoke(message: Invoke): void {
    const { type: _type, id, ...rest } = message;
    if (message.kind !== 'run' && this.invocations.tryWrite(RecordKind.Invoke, id, rest, true)) this.owner.wakeLater(this);
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
      if (record.kind === RecordKind.Result) this.owner.result(this, record.id, record.message as Outcome);
      else if (record.kind === RecordKind.HostCall) this.calls.serve(this, { type: 'host-call', seq: record.id, ...(record.message as object) } as HostCall);
      else if (record.kind === RecordKind.HostDrop) this.calls.drop(this, { type: 'host-drop', ...(record.message as object) } as HostDrop);
    }
  }

  private onMessage(message: WorkerToMain): void {
    switch (message.type) {
      case 'loaded': {
        const waiter = this.loadWaiters.get(message.key);
        this.loadWaiters.delete(message.key);
        if (message.error) waiter?.reject(loadFailed(message.key, message.error));
        else waiter?.resolve();
        return;
      }
      case 'result':
        this.owner.result(this, message.id, message.ok ? { ok: true, value: message.value } : { ok: false, failure: message.failure });
        return;
      case 'host-call':
        this.calls.serve(this, message);
        return;
      case 'host-drop':
        this.calls.drop(this, message);
        return;
      case 'ready':
        return;
      case 'wake':
        this.results.awake();
        this.pumpResults();
        return;
      default:
        this.owner.message(this, message);
    }
  }

  /** Answers by the reply ring; by the reply port (announced on the ring) when it does not fit. */
  answer(reply: HostCallReply): void {
    const { seq, ...rest } = reply;
    if (this.replies.tryWrite(RecordKind.Reply, seq, rest)) return;
    try {
      this.replyPort.postMessage(reply);
    } catch (error) {
      this.replyPort.postMessage({ seq, ok: false, witError: false, message: `reply cannot cross to the worker: ${String(error)}` });
    }
    // The ring only announces it; if even that does not fit, the worker's wait times out.
    if (!this.replies.tryWrite(RecordKind.PortReply, seq, null)) this.owner.logger.error({ seq }, 'reply ring full: a host call will time out');
  }

  retire(reason: Error): void {
    this.owner.retireSlot(this, reason);
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

  /**
   * May take one more invocation of `componentId` now: it has room, and every invocation it runs
   * is one of that component's and suspended on a host call (none can be using the CPU).
   */
  waitsOnlyFor(componentId: string): boolean {
    return this.sharedWith(componentId, true);
  }

  /** Will take one: as above, but some of its invocations may still run up to their suspension. */
  willTake(componentId: string): boolean {
    return this.sharedWith(componentId, false);
  }

  private sharedWith(componentId: string, allSuspended: boolean): boolean {
    if (this.running.size === 0 || this.running.size >= MAX_IN_FLIGHT) return false;
    let suspended = false;
    for (const { pending, suspendedCalls } of this.running.values()) {
      if (pending.componentId !== componentId || (allSuspended && suspendedCalls === 0)) return false;
      if (suspendedCalls > 0) suspended = true;
    }
    return suspended;
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
