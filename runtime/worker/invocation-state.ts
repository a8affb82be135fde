/**
 * What belongs to the invocation running on this worker thread right now: the link names it chose,
 * what to do before the thread blocks, its response limit, whether it streamed or sent HTTP.
 *
 * Without JSPI a worker runs one invocation at a time and this is simply the current one. With
 * JSPI (runtime/jspi.ts) several are in flight on one thread, all but one suspended on a
 * provider call. The glue calls the hook published here as a guest suspends; what it returns puts
 * that invocation's state back right before the guest resumes (glue/lean-sync.ts explains why
 * nothing can run in between).
 */
import { SUSPEND_HOOK } from '../jspi.js';

export interface InvocationState {
  /**
   * The pool's id of this invocation (0 for a request the worker's ingress serves itself): its
   * host calls and log lines carry it, so the main thread knows which of a worker's invocations
   * waits on what (several may be in flight under JSPI, worker-pool.ts).
   */
  id: number;
  /** `wasmcloud:bus/lattice` choices: interface (unversioned) to link name (link-names.ts). */
  linkNames: Map<string, string> | null;
  /**
   * Runs right before the invocation blocks or suspends (a host call, a sleep): an HTTP handler
   * that set its response sends the head and what it wrote so far, so a client never waits on a
   * guest that waits on something else.
   */
  beforeBlocking: (() => void) | null;
  /** The largest response body the component may write (`lattice.dev/max-response-mib`). */
  bodyLimit: number;
  /** The guest started an outgoing HTTP request. */
  outgoingHttp: boolean;
  /** The response streamed (head and chunks went out as the guest wrote them). */
  streamed: boolean;
  /**
   * The guest's glue suspends on waits (JSPI, runtime/glue/jspi-plan.ts): a sleep or an outgoing
   * HTTP response the worker serves answers with a promise instead of blocking the thread.
   */
  suspends: boolean;
  /** Told as the guest suspends and right before it resumes (the worker ingress's watch words). */
  onSuspend: (() => void) | null;
  onResume: (() => void) | null;
}

const DEFAULT_BODY_LIMIT = 32 * 2 ** 20;

function fresh(id: number): InvocationState {
  return {
    id,
    linkNames: null,
    beforeBlocking: null,
    bodyLimit: DEFAULT_BODY_LIMIT,
    outgoingHttp: false,
    streamed: false,
    suspends: false,
    onSuspend: null,
    onResume: null,
  };
}

export const invocation: { current: InvocationState } = { current: fresh(0) };

/** A new invocation starts on this thread: it gets a state of its own (`id`: see InvocationState). */
export function beginInvocation(id = 0): InvocationState {
  const state = fresh(id);
  invocation.current = state;
  return state;
}

function suspend(): () => void {
  const state = invocation.current;
  state.beforeBlocking?.();
  state.onSuspend?.();
  return () => {
    invocation.current = state;
    state.onResume?.();
  };
}

/** Gives the glue of this thread the suspension hook (a worker calls it once, at start). */
export function publishSuspendHook(): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for(SUSPEND_HOOK)] = suspend;
}
