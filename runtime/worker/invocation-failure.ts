/**
 * How an invocation in this worker fails: the failure the main thread turns into a typed error
 * (runtime/failures.ts), and the reading of what a guest threw (a trap, `exit`, a failed host
 * call, an export's `err(E)`).
 */
import type { Failure } from '../worker-messages.js';
import { Wasm } from '../wasm-api.js';
import { HostCallFailure } from './bridge-client.js';
import { ExitSignal } from './wasi/cli.js';

/** An invocation failed; `failure` is what the main thread turns into a typed error. */
export class InvocationFailure {
  constructor(readonly failure: Failure) {}
}

/** jco throws `ComponentError` with the payload when an export returns `err(E)`. */
export function witError(error: unknown): never {
  if (typeof error === 'object' && error !== null && Object.hasOwn(error, 'payload') && !(error instanceof HostCallFailure)) {
    throw new InvocationFailure({ kind: 'wit-error', message: 'export returned an error', payload: (error as { payload: unknown }).payload });
  }
  throw error;
}

/** `exit(0)` ends a service as a return would. */
export function cleanExit(error: unknown): undefined {
  if (error instanceof ExitSignal && error.status === 0) return undefined;
  throw error;
}

export function classify(error: unknown): Failure {
  if (error instanceof ExitSignal) return { kind: 'exit', message: `exit status ${error.status}`, status: error.status };
  if (error instanceof HostCallFailure) return { kind: 'trap', message: error.message };
  if (error instanceof Wasm.RuntimeError) return { kind: 'trap', message: `wasm trap: ${error.message.replace(/^wasm trap:\s*/, '')}` };
  if (error instanceof RangeError && /memory|allocation/i.test(error.message)) return { kind: 'trap', message: `out of memory: ${error.message}` };
  if (error instanceof Error) return { kind: 'trap', message: `${error.name}: ${error.message}` };
  return { kind: 'trap', message: `guest threw ${String(error)}` };
}
