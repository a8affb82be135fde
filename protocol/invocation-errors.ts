import { LatticeError, NoRespondersError, TimeoutError } from './errors.js';

/**
 * Invocation failures seen by a caller, one class per cause. The transport ones extend the
 * control-interface classes so code that handles `NoRespondersError`/`TimeoutError` keeps working.
 * WIT-level failures (a `result` err, `error::other`) are not errors here: they are values.
 */

/** No server subscribes to the target's subject: the target is not running anywhere. */
export class TargetNotRunningError extends NoRespondersError {
  /** The call's deadline (epoch ms), so a caller may try again within it. */
  readonly deadline: number | undefined;

  constructor(
    subject: string,
    readonly target: string,
    options?: { cause?: unknown; deadline?: number },
  ) {
    super(subject, options);
    this.deadline = options?.deadline;
    this.message = `target ${target} is not running (no responders on ${subject})`;
  }
}

/**
 * The serving instance stopped answering the keep-alive of a call in flight: it sent nothing
 * (acknowledgement, beat or reply) for `silentMs`, i.e. it missed 3 of its beats. The cause of a
 * TargetGoneError.
 */
export class KeepaliveLostError extends LatticeError {
  constructor(
    readonly instance: string | null,
    readonly silentMs: number,
  ) {
    super(`${instance ? `instance ${instance}` : 'no instance'} ${instance ? 'went silent' : 'acknowledged the call'} for ${silentMs} ms`);
  }
}

/**
 * The host serving a call went away while the call was in flight: the serving instance missed
 * its keep-alives (cause: KeepaliveLostError) or left during a chunked transfer (cause: the
 * no-responders answer), long before the call's deadline. `started` says whether the serving
 * instance had acknowledged the call, i.e. whether its handler may have run, partly or wholly.
 * `invoke` re-sends a call that never started once before raising this; whether a started call
 * may be tried again is the caller's decision (an HTTP GET may, a counter increment may not).
 */
export class TargetGoneError extends LatticeError {
  /** The serving instance (its id from the acknowledgement), when one had acknowledged. */
  readonly instance: string | null;

  constructor(
    readonly subject: string,
    readonly target: string,
    readonly started: boolean,
    /** The call's deadline (epoch ms), so a caller may try again within it. */
    readonly deadline: number,
    options: { cause: unknown; instance?: string | null },
  ) {
    const cause = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`target ${target} went away during the call on ${subject} (${cause}); the call ${started ? 'had started' : 'never started'}`, options);
    this.instance = options.instance ?? null;
  }
}

/**
 * This process has no NATS connection right now (it is reconnecting, or closed): a call that
 * needs another host cannot be sent, and one in flight has lost its way back. Raised at once
 * instead of waiting for a deadline; calls to targets in the same process are not affected.
 */
export class LatticeUnavailableError extends LatticeError {
  constructor(
    readonly subject: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`lattice unavailable: ${detail} (${subject})`, options);
  }
}

/** No answer before the deadline (the target is slow, stuck, or died mid-call). */
export class DeadlineExceededError extends TimeoutError {
  constructor(subject: string, deadlineMs: number, options?: { cause?: unknown }) {
    super(subject, deadlineMs, options);
    this.message = `invocation on ${subject} exceeded its ${deadlineMs} ms deadline`;
  }
}

/** The handler refused the call on purpose; `code` says why (e.g. `unknown-function`). */
export class RemoteApplicationError extends LatticeError {
  constructor(
    readonly subject: string,
    readonly code: string,
    message: string,
  ) {
    super(`${subject}: ${code}: ${message}`);
  }
}

/** The handler threw unexpectedly or the component trapped. */
export class RemoteCrashError extends LatticeError {
  constructor(
    readonly subject: string,
    readonly remoteMessage: string,
  ) {
    super(`${subject}: remote crashed: ${remoteMessage}`);
  }
}

/** The peer broke the protocol (undecodable body, missing chunk...). */
export class InvocationProtocolError extends LatticeError {
  constructor(
    readonly subject: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${subject}: protocol error: ${detail}`, options);
  }
}

/**
 * Thrown by a handler to refuse a call on purpose. The caller gets a RemoteApplicationError with
 * the same code and message; anything else a handler throws becomes a RemoteCrashError.
 */
export class ApplicationError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApplicationError';
  }
}

/**
 * A byte stream that crossed the lattice (an HTTP body) broke off: its producer failed, vanished
 * or went silent, or messages were lost. `reason` is one of the cases below.
 */
export class StreamBrokenError extends LatticeError {
  constructor(
    readonly subject: string,
    readonly reason: 'failed' | 'gone' | 'stalled' | 'lost' | 'cancelled',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`stream ${subject} ${reason}: ${detail}`, options);
  }
}
