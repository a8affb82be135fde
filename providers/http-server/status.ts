/**
 * The HTTP status a client sees when a component could not answer, with a one-line body. Shared
 * by the http-server's forwarding path and the runtime workers that serve its routes directly
 * (runtime/ingress/), so both answer alike; kept free of heavy imports for the latter.
 */
import { DeadlineExceededError, LatticeUnavailableError, TargetGoneError, TargetNotRunningError } from '../../protocol/invocation-errors.js';
import { describePayload, WitError } from '../../protocol/wit-error.js';

/** Maps why a component could not answer to the status a client should see. */
export function statusFor(error: unknown): { status: number; message: string } {
  if (error instanceof TargetNotRunningError) return { status: 503, message: 'component is not running' };
  if (error instanceof LatticeUnavailableError) return { status: 503, message: 'lattice unavailable: this host has lost its NATS connection' };
  if (error instanceof TargetGoneError) return { status: 502, message: 'the host running the component went away during the request' };
  if (error instanceof DeadlineExceededError) return { status: 504, message: 'component did not answer in time' };
  const name = error instanceof Error ? error.name : '';
  if (name === 'InvocationTimeoutError') return { status: 504, message: 'component did not answer in time' };
  if (name === 'ComponentNotFoundError') return { status: 503, message: 'component is not running' };
  if (name === 'BusyError') return { status: 503, message: 'component is busy' };
  if (error instanceof WitError) return { status: 502, message: `component failed: ${describePayload(error.payload)}` };
  return { status: 502, message: `component failed: ${error instanceof Error ? error.message : String(error)}` };
}
