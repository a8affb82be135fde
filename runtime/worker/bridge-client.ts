import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { HostCallReply, WorkerToMain } from '../worker-messages.js';
import { RecordKind, RecordReader, RecordWriter, type DecodedRecord } from '../channel/records.js';
import { invocation } from './invocation-state.js';
import { createRing } from '../channel/ring.js';

/**
 * Thrown inside the guest's stack when a host call cannot complete: the invocation traps. An
 * `Error` on purpose: jco rethrows errors instead of lowering them as a WIT `err` value.
 */
export class HostCallFailure extends Error {
  override name = 'HostCallFailure';
}

/** Thrown into a `result<_, E>` import so that the guest sees `err(payload)` (docs/architecture.md, fact 4). */
export class WitPayload {
  constructor(readonly payload: unknown) {}

  /** What a trap says when the import's function has no error type to take the payload. */
  toString(): string {
    return typeof this.payload === 'string'
      ? this.payload
      : `WIT error ${JSON.stringify(this.payload, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`;
  }
}

/** A host call whose guest is suspended on it (JSPI) rather than blocked. */
interface Suspended {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  iface: string;
  fn: string;
  timer: NodeJS.Timeout;
}

/**
 * Worker side of the host-call bridge. The guest's import writes the request into the worker's
 * ring to the main thread (or posts it, when it does not fit there); then either the worker blocks
 * on its reply ring until the main thread has answered (`call`), or, under JSPI, the guest is
 * suspended on a promise that the answer settles while the worker runs other invocations
 * (`callAsync`). A reply too large for the ring travels on `port` (structured clone, read with
 * `receiveMessageOnPort`), announced by a record on the ring, so values of any size cross.
 * Replies to calls that already timed out are discarded by sequence number.
 */
export class BridgeClient {
  private seq = 0;
  private readonly suspended = new Map<number, Suspended>();
  /** Port replies read while looking for another one. */
  private readonly portReplies = new Map<number, HostCallReply>();
  /** An asynchronous wait on the reply ring is armed (for the suspended calls). */
  private listening = false;
  /** Which armed wait is the current one: a blocking call's wait makes the earlier one stale. */
  private generation = 0;
  /** A wake-up of the main thread is due at the end of this event-loop turn (`wakeSoon`). */
  private wakePending = false;

  constructor(
    private readonly requests: RecordWriter,
    private readonly replies: RecordReader,
    private readonly port: MessagePort,
    /** Posts a message to the main thread without waiting (streamed body chunks). */
    readonly post: (message: WorkerToMain) => void,
    private readonly timeoutMs: number,
    /**
     * Busy-wait this long before sleeping: a fast host call (an in-memory provider, a cache hit)
     * is answered before the futex sleep/wake would even complete.
     */
    private readonly spinUs: number = 0,
  ) {}

  /** Calls the main thread and blocks until it answers; returns the value or throws. */
  call(componentId: string, iface: string, fn: string, args: unknown[], linkName = 'default'): unknown {
    invocation.current.beforeBlocking?.();
    const seq = this.send(componentId, iface, fn, args, linkName);
    const reply = this.await(seq, iface, fn);
    // The wait took the ring's sleep announcement from a pending asynchronous wait: arm another.
    if (this.suspended.size > 0) {
      this.listening = false;
      this.listen();
    }
    return outcome(reply, iface, fn);
  }

  /**
   * Calls the main thread without blocking: the promise settles with the answer (JSPI, where the
   * guest is suspended on it).
   */
  callAsync(componentId: string, iface: string, fn: string, args: unknown[], linkName = 'default'): Promise<unknown> {
    const seq = this.send(componentId, iface, fn, args, linkName, true);
    this.wakeSoon();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.suspended.delete(seq);
        reject(new HostCallFailure(`host call ${iface}#${fn} got no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.suspended.set(seq, { resolve, reject, iface, fn, timer });
      this.listen();
    });
  }

  /** `suspends`: the guest is suspended on the call, not blocked (the main thread may give the worker more work meanwhile). */
  private send(componentId: string, iface: string, fn: string, args: unknown[], linkName: string, suspends = false): number {
    const seq = ++this.seq;
    const request = { componentId, iface, fn, args, linkName, invocation: invocation.current.id, suspends };
    // A suspended call wakes the main thread at the end of this turn (wakeSoon), with the others.
    if (!this.requests.tryWrite(RecordKind.HostCall, seq, request, suspends)) this.post({ type: 'host-call', seq, ...request });
    return seq;
  }

  /**
   * Wakes the main thread for the suspended calls once this turn of the event loop is over: the
   * requests that arrived on other connections in the same turn suspend on host calls too, and
   * one wake-up (a message and a drain on the main thread) then serves them all. Nothing waits
   * on the main thread meanwhile: a guest that blocks (`call`), a result and the end of a batch
   * wake it at once, and the main thread drains every record then, these included.
   */
  private wakeSoon(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    setImmediate(() => {
      this.wakePending = false;
      this.requests.wake();
    });
  }

  private await(seq: number, iface: string, fn: string): HostCallReply {
    const deadline = performance.now() + this.timeoutMs;
    let spin = this.spinUs;
    for (;;) {
      for (let record = this.replies.next(); record; record = this.replies.next()) {
        if (record.id !== seq) {
          this.settle(record);
          continue;
        }
        if (record.kind === RecordKind.Reply) return { seq, ...(record.message as object) } as HostCallReply;
        if (record.kind === RecordKind.PortReply) return this.fromPort(seq, iface, fn);
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0 || !this.replies.waitSync(remaining, spin)) {
        if (this.replies.pending) continue;
        throw new HostCallFailure(`host call ${iface}#${fn} got no answer within ${this.timeoutMs} ms`);
      }
      spin = 0;
    }
  }

  /** A reply that is not the one a blocking call waits for: a suspended call's, or a late one. */
  private settle(record: DecodedRecord): void {
    const call = this.suspended.get(record.id);
    if (record.kind !== RecordKind.Reply && record.kind !== RecordKind.PortReply) return;
    let reply: HostCallReply;
    try {
      reply =
        record.kind === RecordKind.Reply
          ? ({ seq: record.id, ...(record.message as object) } as HostCallReply)
          : this.fromPort(record.id, call?.iface ?? '?', call?.fn ?? '?');
    } catch (error) {
      if (!call) return;
      reply = { seq: record.id, ok: false, witError: false, message: error instanceof Error ? error.message : String(error) };
    }
    if (!call) return; // the answer to a call that timed out
    this.suspended.delete(record.id);
    clearTimeout(call.timer);
    try {
      call.resolve(outcome(reply, call.iface, call.fn));
    } catch (error) {
      call.reject(error);
    }
  }

  /** Waits, without blocking the thread, for answers to the suspended calls. */
  private listen(): void {
    if (this.listening || this.suspended.size === 0) return;
    this.listening = true;
    const generation = ++this.generation;
    void this.replies.wait().then(() => {
      // A stale wait (a blocking call took the ring's sleep since): the current one drains.
      if (generation !== this.generation) return;
      this.listening = false;
      for (let record = this.replies.next(); record; record = this.replies.next()) this.settle(record);
      this.listen();
    });
  }

  private fromPort(seq: number, iface: string, fn: string): HostCallReply {
    const early = this.portReplies.get(seq);
    if (early) {
      this.portReplies.delete(seq);
      return early;
    }
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (!received) throw new HostCallFailure(`host call ${iface}#${fn} was signalled but no reply arrived`);
      const reply = received.message as HostCallReply;
      if (reply.seq === seq) return reply;
      // Its announcement on the ring comes later: kept for it.
      this.portReplies.set(reply.seq, reply);
    }
  }

  /**
   * A bridge nobody answers (its calls time out): for building a component's imports without a
   * host, as the instantiation benchmarks do.
   */
  static unconnected(timeoutMs: number): BridgeClient {
    const { port1 } = new MessageChannel();
    port1.unref();
    return new BridgeClient(new RecordWriter(createRing(1024)), new RecordReader(createRing(1024)), port1, () => undefined, timeoutMs);
  }

  /** Fire-and-forget notification (resource drops): the guest need not wait. */
  notify(componentId: string, iface: string, fn: string, args: unknown[], linkName = 'default'): void {
    if (!this.tryNotify(componentId, iface, fn, args, linkName))
      this.post({ type: 'host-drop', componentId, iface, fn, args, linkName, invocation: invocation.current.id });
  }

  /** A notification on the ring; false when it does not fit there now (the caller decides how else). */
  tryNotify(componentId: string, iface: string, fn: string, args: unknown[], linkName = 'default'): boolean {
    return this.requests.tryWrite(RecordKind.HostDrop, 0, { componentId, iface, fn, args, linkName, invocation: invocation.current.id });
  }
}

/** A reply's value, or the error the guest's import throws. */
function outcome(reply: HostCallReply, iface: string, fn: string): unknown {
  if (reply.ok) return reply.value;
  if (reply.witError) throw new WitPayload(reply.payload);
  throw new HostCallFailure(`host call ${iface}#${fn} failed: ${reply.message}`);
}

/** Blocks the worker for `ms` milliseconds (wasi pollables on timers). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  if (ms <= 0) return;
  invocation.current.beforeBlocking?.();
  Atomics.wait(sleeper, 0, 0, ms);
}
