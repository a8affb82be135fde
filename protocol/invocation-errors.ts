import { LatticeError, NoRespondersError, TimeoutError } from './errors.js';

/**
 * Invocation failures seen by a caller, one class per cause. The transport ones extend the
 * control-interface classes so code that handles `NoRespondersError`/`TimeoutError` keeps working.
 * WIT-level failures (a `result` err, `error::other`) are not errors here: they are values.
 */

/** No server subscribes to the target's subject: the target is not running anywhere. */
export class TargetNotRunningError extends NoRespondersError {
  constructor(subject: string, readonly target: string, options?: { cause?: unknown }) {
    super(subject, options);
    this.message = `target ${target} is not running (no responders on ${subject})`;
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
  constructor(readonly subject: string, readonly code: string, message: string) {
    super(`${subject}: ${code}: ${message}`);
  }
}

/** The handler threw unexpectedly or the component trapped. */
export class RemoteCrashError extends LatticeError {
  constructor(readonly subject: string, readonly remoteMessage: string) {
    super(`${subject}: remote crashed: ${remoteMessage}`);
  }
}

/** The peer broke the protocol (undecodable body, missing chunk...). */
export class InvocationProtocolError extends LatticeError {
  constructor(readonly subject: string, detail: string, options?: { cause?: unknown }) {
    super(`${subject}: protocol error: ${detail}`, options);
  }
}

/**
 * Thrown by a handler to refuse a call on purpose. The caller gets a RemoteApplicationError with
 * the same code and message; anything else a handler throws becomes a RemoteCrashError.
 */
export class ApplicationError extends Error {
  constructor(readonly code: string, message: string) {
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
