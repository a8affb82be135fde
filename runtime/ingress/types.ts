/**
 * Worker ingress: the runtime's workers accept the http-server's connections themselves and run
 * the component of a route in the thread that parsed the request, as `wasmtime serve` does; a
 * request crosses no thread unless it has to. What the http-server provider hands the runtime,
 * and what the workers are told, is defined here (main thread and workers both import it).
 *
 * A request is served in the worker when its route's target is a component of this host whose
 * current version the worker has loaded, its body is absent or small (read whole first), and
 * the component has an instance slot free (`max_instances`). Everything else (a component on
 * another host, a streamed upload, a busy component, no route) is relayed to the http-server's
 * own listener on a loopback port, which serves it as it always did.
 */

// The contract with the provider (routes, the fronted address) is the provider SDK's.
export type { IngressRoute, IngressSpec } from '../../providers/sdk/types.js';

/** What a worker needs to run a route's component itself. */
export interface IngressTarget {
  /** Version key of the component's current version (LoadSpec.key). */
  key: string;
  /** Index of the component's admission counters in the shared admission memory. */
  slot: number;
  /** Not served in workers (it ran past its deadline there once): relayed instead. */
  relayOnly: boolean;
}

/**
 * Requests with a body up to this size are read whole and served in the worker; larger or
 * chunked ones stream through the provider's own listener.
 */
export const WORKER_BODY_LIMIT = 64 * 1024;

/**
 * Admission memory: per component slot, Int32 words [running, max, waiting]. The runtime's
 * admission (max_instances, on the main thread) and the workers' both count in it, so the limit
 * holds across threads; `waiting` (invocations queued on the main thread) tells a worker that
 * releases a slot to say so.
 */
export const ADMISSION_SLOTS = 4096;
export const ADMISSION_WORDS = 3;
export const RUNNING = 0;
export const MAX = 1;
export const WAITING = 2;

/**
 * Held memory, one per worker: per component slot, the Int32 count of `running` admissions the
 * worker's ingress holds now. Under JSPI a worker has many requests in flight; when it dies (a
 * deadline, a crash) the pool gives back what it held, so `max_instances` stays whole.
 */
export const HELD_BYTES = ADMISSION_SLOTS * Int32Array.BYTES_PER_ELEMENT;

/**
 * Watch memory, one per worker: what the main thread needs to end a request the worker serves
 * when it passes its deadline (the worker is stuck in guest code then and cannot answer itself).
 * Int32 [state, socket fd, head sent (0/1), admission slot, relays in progress, -], then
 * Float64 [deadline, epoch ms].
 * The state word decides who finishes the request: the worker moves it from RUNNING to IDLE when
 * the guest returns, the watchdog from RUNNING to TAKEN when the deadline passed; the loser
 * leaves the request alone.
 */
export const WATCH_BYTES = 32;
export const WATCH_IDLE = 0;
export const WATCH_RUNNING = 1;
export const WATCH_TAKEN = 2;
export const W_STATE = 0;
export const W_FD = 1;
export const W_HEAD_SENT = 2;
export const W_SLOT = 3;
/**
 * Requests this worker relays to the provider's listener right now. A relayed body flows through
 * this worker's event loop, so the pool gives such a worker no invocation meanwhile: one that read
 * that body here would block the very loop that feeds it.
 */
export const W_RELAYS = 4;
export const WATCH_DEADLINE_OFFSET = 24;

/**
 * What a worker served itself on one route since its last report: invocations, failed
 * ones, and their durations (seconds) as a histogram over the bounds the host's metrics use.
 */
export interface WorkerStats {
  calls: number;
  errors: number;
  /** Non-cumulative counts per bucket, the last one +Inf. */
  buckets: number[];
  sum: number;
}
