/**
 * Transport-level failures of lattice requests. Application failures (`success: false`) are
 * `ControlError`s; the others say the request never got a usable answer.
 */
export class LatticeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Nobody answered within the deadline. */
export class TimeoutError extends LatticeError {
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`no reply on ${subject} within ${timeoutMs} ms`, options);
  }
}

/** NATS knows that nothing subscribes to the subject (the host or service is not running). */
export class NoRespondersError extends LatticeError {
  constructor(
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(`no responders on ${subject}: is the host or service running?`, options);
  }
}

/** A reply arrived but is not what the protocol says it must be. */
export class DecodeError extends LatticeError {
  constructor(
    readonly subject: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`malformed reply on ${subject}: ${detail}`, options);
  }
}

/** The peer answered `success: false`. */
export class ControlError extends LatticeError {
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}
