import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { HostCallReply, WorkerToMain } from '../worker-messages.js';

/**
 * Thrown inside the guest's stack when a host call cannot complete: the invocation traps. An
 * `Error` on purpose: jco rethrows errors instead of lowering them as a WIT `err` value.
 */
export class HostCallFailure extends Error {
  override name = 'HostCallFailure';
}

/** Thrown into a `result<_, E>` import so that the guest sees `err(payload)` (design.md fact 4). */
export class WitPayload {
  constructor(readonly payload: unknown) {}

  /** What a trap says when the import's function has no error type to take the payload. */
  toString(): string {
    return typeof this.payload === 'string' ? this.payload : `WIT error ${JSON.stringify(this.payload, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`;
  }
}

/**
 * Runs right before the worker blocks (a host call, a sleep): an HTTP invocation that buffered
 * its response sends the head and what it wrote so far, so a client never waits on a guest that
 * waits on something else. Set only while such an invocation runs.
 */
export const beforeBlocking: { hook: (() => void) | null } = { hook: null };

/**
 * Worker side of the synchronous host-call bridge. The guest's import posts the request, then the
 * worker blocks in `Atomics.wait` on the shared control word until the main thread has posted the
 * reply on `port` and bumped the word to this call's sequence number. The reply itself travels by
 * `receiveMessageOnPort`, so values of any size cross (structured clone), not only what would fit
 * in a fixed shared buffer. Replies to calls that already timed out are discarded by sequence.
 */
export class BridgeClient {
  private seq = 0;
  private readonly control: Int32Array;

  constructor(
    shared: SharedArrayBuffer,
    private readonly port: MessagePort,
    /** Posts a message to the main thread without waiting (streamed body chunks). */
    readonly post: (message: WorkerToMain) => void,
    private readonly timeoutMs: number,
    /**
     * Busy-wait this long before sleeping in `Atomics.wait`: a fast host call (an in-memory
     * provider, a cache hit) is answered before the futex sleep/wake would even complete.
     * Measured: ~80 us per host call without spinning, ~40 us with 100 us of spin.
     */
    private readonly spinUs: number = 0,
  ) {
    this.control = new Int32Array(shared);
  }

  /** Calls the main thread and blocks until it answers; returns the value or throws. */
  call(componentId: string, iface: string, fn: string, args: unknown[], linkName = 'default'): unknown {
    beforeBlocking.hook?.();
    const seq = ++this.seq;
    this.post({ type: 'host-call', seq, componentId, iface, fn, args, linkName });
    const spinUntil = performance.now() + this.spinUs / 1000;
    while (Atomics.load(this.control, 0) !== seq && performance.now() < spinUntil) {
      // spin: see `spinUs`
    }
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const current = Atomics.load(this.control, 0);
      if (current === seq) break;
      const remaining = deadline - performance.now();
      if (remaining <= 0 || Atomics.wait(this.control, 0, current, remaining) === 'timed-out') {
        if (Atomics.load(this.control, 0) === seq) break;
        throw new HostCallFailure(`host call ${iface}#${fn} got no answer within ${this.timeoutMs} ms`);
      }
    }
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (!received) throw new HostCallFailure(`host call ${iface}#${fn} was signalled but no reply arrived`);
      const reply = received.message as HostCallReply;
      if (reply.seq !== seq) continue;
      if (reply.ok) return reply.value;
      if (reply.witError) throw new WitPayload(reply.payload);
      throw new HostCallFailure(`host call ${iface}#${fn} failed: ${reply.message}`);
    }
  }

  /** Fire-and-forget notification (resource drops): the guest need not wait. */
  notify(componentId: string, iface: string, fn: string, args: unknown[], linkName = 'default'): void {
    this.post({ type: 'host-drop', componentId, iface, fn, args, linkName });
  }
}

/** Blocks the worker for `ms` milliseconds (wasi pollables on timers). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  if (ms <= 0) return;
  beforeBlocking.hook?.();
  Atomics.wait(sleeper, 0, 0, ms);
}
