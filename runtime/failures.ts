/**
 * Failure classification on the main thread: which typed error (errors.ts) an invocation ends
 * with. A guest's own failure arrives as a `Failure` the worker made of what the guest threw
 * (`classify` in worker/instances.ts); a worker that dies, is ended or runs past a deadline is
 * the pool's to report, with the invocation it was running.
 */
import { ExportNotFoundError, GuestExitError, GuestTrapError, InvocationTimeoutError, ResponseTooLargeError, WitError, WorkerCrashError } from './errors.js';
import type { Pending } from './invocation.js';
import type { Failure } from './worker-messages.js';

/** The typed error of an invocation that failed in a worker (`Failure` is what crosses threads). */
export function failureError(componentId: string, iface: string, fn: string, failure: Failure): Error {
  switch (failure.kind) {
    case 'wit-error':
      return new WitError(failure.payload);
    case 'exit':
      return new GuestExitError(componentId, failure.status ?? 1);
    case 'export-not-found':
      return new ExportNotFoundError(componentId, iface, fn, failure.available ?? []);
    case 'response-too-large':
      return new ResponseTooLargeError(componentId, failure.message);
    case 'load':
      return new WorkerCrashError(failure.message);
    default:
      return new GuestTrapError(componentId, failure.message);
  }
}

/** The worker thread threw (its `error` event): Node gives an Error, anything else is wrapped. */
export function workerThrew(error: unknown): Error {
  return error instanceof Error ? error : new WorkerCrashError(`worker threw ${String(error)}`);
}

export function workerExited(code: number): Error {
  return new WorkerCrashError(`worker exited with code ${code}`);
}

/** A version the worker could not load (`loaded` with an error). */
export function loadFailed(key: string, detail: string): Error {
  return new WorkerCrashError(`loading ${key} failed: ${detail}`);
}

/** Why an invocation could not start: its version did not load in the worker. */
export function startFailed(error: unknown): Error {
  return error instanceof Error ? error : new WorkerCrashError(String(error));
}

/**
 * The invocation ran past its deadline: its worker is ended (the only way to stop a wasm loop),
 * unless it was `waiting`, suspended on a host call (worker-pool.ts).
 */
export function deadlinePassed(pending: Pending, waiting = false): InvocationTimeoutError {
  return new InvocationTimeoutError(pending.componentId, pending.deadlineMs, waiting);
}

/** The worker running the invocation was ended from outside the pool (the ingress watchdog). */
export function workerEnded(pending: Pending, reason: Error): Error {
  return new WorkerCrashError(`the worker running component ${pending.componentId} was ended: ${reason.message}`, { cause: reason });
}

/** The worker running the invocation died (exited, threw). */
export function workerDied(pending: Pending, error: Error): Error {
  return new WorkerCrashError(`the worker running component ${pending.componentId} died: ${error.message}`, { cause: error });
}
