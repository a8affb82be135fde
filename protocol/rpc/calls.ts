import { nuid, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';
import { InvocationHeader } from '../invocation.js';
import { invocation } from '../subjects.js';
import { Connectivity } from '../../lib/connectivity.js';

/** Why a request of an invocation got no reply; the client maps each to its typed error. */
export type CallFailure =
  /** Nothing subscribes to the subject (NATS's no-responders status). */
  | { kind: 'no-responders' }
  | { kind: 'deadline' }
  /** Nothing from the serving instance for `silentMs`: no acknowledgement, beat or reply. */
  | { kind: 'silent'; acknowledged: boolean; instance: string | null; silentMs: number }
  /** This connection is down (reconnecting or closed). */
  | { kind: 'unavailable'; detail: string };

export class CallFailed extends Error {
  constructor(
    readonly failure: CallFailure,
    options?: { cause?: unknown },
  ) {
    super(`invocation request failed: ${failure.kind}`, options);
  }
}

export interface CallRequest {
  to: string;
  data: Uint8Array;
  headers: MsgHdrs | undefined;
  /** Epoch ms. */
  deadline: number;
  /** Silence after which the serving instance counts as gone. */
  goneAfterMs: number;
}

interface Pending {
  resolve: (msg: Msg) => void;
  reject: (error: CallFailed) => void;
  deadline: number;
  goneAfterMs: number;
  /** When the serving side was last heard of (the send time until it acknowledges). */
  heardAt: number;
  instance: string | null;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The replies of every invocation made on one connection in one lattice, on one wildcard
 * subscription (as nats.js's own request multiplexing does with its inbox), with the liveness
 * nats.js's request lacks: a serving instance acknowledges a call when it receives it and beats
 * while the call runs (`Lattice-Alive`), so silence means the instance is gone, and the call
 * fails then instead of at its deadline. One timer per call, re-armed only when it fires; beats
 * just note the time.
 */
export class CallMux {
  private readonly wildcard: string;
  private readonly prefix: string;
  private readonly pending = new Map<string, Pending>();
  private readonly link: Connectivity;
  private sub: Subscription | null = null;

  private constructor(
    private readonly nc: NatsConnection,
    lattice: string,
  ) {
    const id = nuid.next();
    this.wildcard = invocation.replyWildcard(lattice, id);
    this.prefix = this.wildcard.slice(0, -1);
    this.link = Connectivity.of(nc);
    // Replies cannot come back through a dropped connection (nats.js resubscribes after a
    // reconnect, but what was sent meanwhile is gone): every call in flight fails now.
    this.link.onDown(() => {
      for (const [token, call] of [...this.pending]) this.fail(token, call, { kind: 'unavailable', detail: 'the NATS connection dropped' });
    });
  }

  static of(nc: NatsConnection, lattice: string): CallMux {
    let byLattice = muxes.get(nc);
    if (!byLattice) muxes.set(nc, (byLattice = new Map()));
    let mux = byLattice.get(lattice);
    if (!mux) byLattice.set(lattice, (mux = new CallMux(nc, lattice)));
    return mux;
  }

  /** Sends one request and resolves with its reply (acknowledgements and beats are consumed here). */
  request(req: CallRequest): Promise<Msg> {
    if (!this.link.connected) return Promise.reject(new CallFailed({ kind: 'unavailable', detail: 'not connected to NATS' }));
    this.sub ??= this.nc.subscribe(this.wildcard, {
      callback: (err, msg) => {
        if (!err) this.onMessage(msg);
      },
    });
    const token = nuid.next();
    return new Promise<Msg>((resolve, reject) => {
      const now = Date.now();
      const call: Pending = { resolve, reject, deadline: req.deadline, goneAfterMs: req.goneAfterMs, heardAt: now, instance: null, timer: undefined };
      this.pending.set(token, call);
      this.arm(token, call, now);
      try {
        this.nc.publish(req.to, req.data, { reply: this.prefix + token, headers: req.headers });
      } catch (error) {
        // Closed or draining: nothing can be sent on this connection any more.
        this.fail(token, call, { kind: 'unavailable', detail: error instanceof Error ? error.message : String(error) }, error);
      }
    });
  }

  private onMessage(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    const call = this.pending.get(token);
    if (!call) return;
    const h = msg.headers;
    if (h) {
      if (h.code === 503) {
        this.fail(token, call, { kind: 'no-responders' });
        return;
      }
      const alive = h.get(InvocationHeader.alive);
      if (alive) {
        call.heardAt = Date.now();
        call.instance = alive;
        return;
      }
    }
    this.forget(token, call);
    call.resolve(msg);
  }

  private arm(token: string, call: Pending, now: number): void {
    const at = Math.min(call.deadline, call.heardAt + call.goneAfterMs);
    call.timer = setTimeout(() => this.check(token, call), Math.max(0, at - now));
  }

  private check(token: string, call: Pending, confirmed = false): void {
    if (this.pending.get(token) !== call) return;
    const now = Date.now();
    if (now >= call.deadline) this.fail(token, call, { kind: 'deadline' });
    else if (now - call.heardAt < call.goneAfterMs) this.arm(token, call, now);
    // After a long block of this event loop, timers run before the socket is read: a beat may
    // be waiting there. Look once more after the I/O phase before calling the instance gone.
    else if (!confirmed) setImmediate(() => this.check(token, call, true));
    else this.fail(token, call, { kind: 'silent', acknowledged: call.instance !== null, instance: call.instance, silentMs: now - call.heardAt });
  }

  private fail(token: string, call: Pending, failure: CallFailure, cause?: unknown): void {
    this.forget(token, call);
    call.reject(new CallFailed(failure, { cause }));
  }

  private forget(token: string, call: Pending): void {
    clearTimeout(call.timer);
    this.pending.delete(token);
  }
}

const muxes = new WeakMap<NatsConnection, Map<string, CallMux>>();
