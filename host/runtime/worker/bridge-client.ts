import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { HostCallReply, WorkerToMain } from '../worker-messages.js';
import { RecordKind, RecordReader, RecordWriter } from '../channel/records.js';
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

/**
 * Runs right before the worker blocks (a host call, a sleep): an HTTP invocation that buffered
 * its response sends the head and what it wrote so far, so a client never waits on a guest that
 * waits on something else. Set only while such an invocation runs.
 */
export const beforeBlocking: { hook: (() => void) | null } = { hook: null };

/**
 * Worker side of the synchronous host-call bridge. The guest's import writes the request into
 * the worker's ring to the main thread (or posts it, when it does not fit there), then the worker
 * blocks on its reply ring until the main thread has answered. A reply too large for the ring
 * travels on `port` (structured clone, read with `receiveMessageOnPort`), announced by a record
 * on the ring, so values of any size cross. Replies to calls that already timed out are
 * discarded by sequence number.
 */
export class BridgeClient {
  private seq = 0;

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
    beforeBlocking.hook?.();
    const seq = ++this.seq;
    const request = { componentId, iface, fn, args, linkName };
    if (!this.requests.tryWrite(RecordKind.HostCall, seq, request)) this.post({ type: 'host-call', seq, ...request });
    const reply = this.await(seq, iface, fn);
    if (reply.ok) return reply.value;
    if (reply.witError) throw new WitPayload(reply.payload);
    throw new HostCallFailure(`host call ${iface}#${fn} failed: ${reply.message}`);
  }

  private await(seq: number, iface: string, fn: string): HostCallReply {
    const deadline = performance.now() + this.timeoutMs;
    let spin = this.spinUs;
    for (;;) {
      for (let record = this.replies.next(); record; record = this.replies.next()) {
        if (record.id !== seq) continue; // the answer to a call that timed out
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

  private fromPort(seq: number, iface: string, fn: string): HostCallReply {
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (!received) throw new HostCallFailure(`host call ${iface}#${fn} was signalled but no reply arrived`);
      const reply = received.message as HostCallReply;
      if (reply.seq === seq) return reply;
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
    const drop = { componentId, iface, fn, args, linkName };
    if (!this.requests.tryWrite(RecordKind.HostDrop, 0, drop)) this.post({ type: 'host-drop', ...drop });
  }
}

/** Blocks the worker for `ms` milliseconds (wasi pollables on timers). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  if (ms <= 0) return;
  beforeBlocking.hook?.();
  Atomics.wait(sleeper, 0, 0, ms);
}
