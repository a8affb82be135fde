/**
 * Typed failures of the component runtime. Each says exactly what went wrong and carries the
 * facts a caller needs (component id, missing interfaces, limits). WIT-level errors returned by a
 * component are not failures of the runtime: they travel as `WitError` values.
 */
export class RuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The image reference cannot be read (unknown scheme, missing file, unreadable). */
export class ImageLoadError extends RuntimeError {
  constructor(
    readonly imageRef: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot load image ${imageRef}: ${detail}`, options);
  }
}

export const BinaryProblem = {
  NotWasm: 'not-wasm',
  CoreModule: 'core-module',
  UnsupportedEncoding: 'unsupported-encoding',
  Truncated: 'truncated',
  Corrupt: 'corrupt',
} as const;
export type BinaryProblem = (typeof BinaryProblem)[keyof typeof BinaryProblem];

/** The bytes are not a component this runtime can run. */
export class InvalidComponentError extends RuntimeError {
  constructor(
    readonly problem: BinaryProblem,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`not a runnable component (${problem}): ${detail}`, options);
  }
}

/**
 * An upgrade refused before anything changed: the new image lacks what the running version is
 * used for (an export a link targets). The old version keeps serving.
 */
export class IncompatibleUpgradeError extends RuntimeError {
  constructor(
    readonly componentId: string,
    readonly missing: string[],
    detail: string,
  ) {
    super(`component ${componentId} was not upgraded: ${detail}`);
  }
}

/** A valid component this host cannot run (WASIp3: runtime/wasip3.ts). */
export class UnsupportedComponentError extends RuntimeError {}

/** The component imports interfaces that neither the host nor any link can provide. */
export class UnsatisfiedImportsError extends RuntimeError {
  constructor(
    readonly componentId: string,
    readonly missing: string[],
  ) {
    super(`component ${componentId} imports interfaces this host cannot satisfy: ${missing.join(', ')}`);
  }
}

/** An annotation or limit has a value the runtime does not accept. */
export class InvalidSettingError extends RuntimeError {}

export class ComponentNotFoundError extends RuntimeError {
  constructor(readonly componentId: string) {
    super(`component ${componentId} is not running on this host`);
  }
}

/** max_instances invocations are running and the queue is full. */
export class BusyError extends RuntimeError {
  constructor(
    readonly componentId: string,
    readonly maxInstances: number,
    readonly queueLimit: number,
  ) {
    super(`component ${componentId} is busy: ${maxInstances} invocations running and ${queueLimit} queued (max_instances ${maxInstances})`);
  }
}

/** The invocation ran past its deadline; the guest was stopped. */
export class InvocationTimeoutError extends RuntimeError {
  /** `waiting`: the guest was suspended on a host call, so it was left to finish unheard, not stopped. */
  constructor(
    readonly componentId: string,
    readonly deadlineMs: number,
    waiting = false,
  ) {
    super(
      `component ${componentId} did not finish within its ${deadlineMs} ms deadline; ${
        waiting ? 'its guest, waiting on a host call, finishes unheard (or is stopped if it runs on)' : 'the guest was stopped'
      }`,
    );
  }
}

/** The guest trapped (unreachable, out of bounds, memory exhausted, a failed host import). */
export class GuestTrapError extends RuntimeError {
  constructor(
    readonly componentId: string,
    readonly detail: string,
  ) {
    super(`component ${componentId} trapped: ${detail}`);
  }
}

/** The guest called wasi:cli/exit. Only that invocation ends. */
export class GuestExitError extends RuntimeError {
  constructor(
    readonly componentId: string,
    readonly status: number,
  ) {
    super(`component ${componentId} called wasi:cli/exit with status ${status}; the invocation was ended`);
  }
}

/** The component does not export what was invoked. */
export class ExportNotFoundError extends RuntimeError {
  constructor(
    readonly componentId: string,
    readonly iface: string,
    readonly fn: string,
    available: string[],
  ) {
    super(`component ${componentId} does not export ${iface}#${fn}; it exports ${available.length ? available.join(', ') : 'nothing invocable'}`);
  }
}

/** A worker died for a reason other than a deadline (out of memory in the worker, a bug). */
export class WorkerCrashError extends RuntimeError {}

/** The runtime is stopping or stopped. */
export class RuntimeStoppedError extends RuntimeError {
  constructor() {
    super('the component runtime is stopped');
  }
}

/**
 * A WIT `error` value: thrown by import handlers to make a `result<_, E>` import return `err(E)`,
 * and thrown by `invoke` when an export returns `err(E)`. One class for the whole lattice (the
 * router, providers and the runtime throw and catch the same one), defined with the protocol.
 */
import { WitError } from '../protocol/wit-error.js';

export { WitError };

/** The guest produced more response body than its limit allows. */
export class ResponseTooLargeError extends RuntimeError {
  constructor(
    readonly componentId: string,
    detail: string,
  ) {
    super(`component ${componentId}: ${detail}`);
  }
}
