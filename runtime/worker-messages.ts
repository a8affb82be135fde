import type { IngressRoute, IngressSpec, IngressTarget, WorkerStats } from './ingress/types.js';

/**
 * Messages between the runtime (main thread) and its worker threads. Values are structured-clone
 * data: Uint8Array, bigint, plain objects, and `WebAssembly.Module`s (their code is shared, not
 * copied).
 */

/** An HTTP request as the runtime hands it to a wasi:http incoming handler. */
export interface HttpRequest {
  method: string;
  /** Path and query, e.g. `/items?id=3`. */
  pathWithQuery: string;
  scheme?: 'http' | 'https';
  authority?: string;
  headers?: Array<[string, string]> | Record<string, string>;
  body?: Uint8Array | string;
}

export interface HttpResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

/** Settings of one component version inside a worker. */
export interface InstanceSettings {
  componentId: string;
  /** Environment and arguments granted by config; empty by default (deny by default). */
  env: Array<[string, string]>;
  args: string[];
  /** Keep an instance across invocations (annotation `lattice.dev/instance-reuse`). */
  reuse: boolean;
  /**
   * Without reuse: reset an instance to its post-instantiation state after each invocation
   * (`resettable`, restoring table contents too when `tables`), instead of instantiating anew.
   */
  reset: { resettable: boolean; tables: boolean };
  maxResponseBytes: number;
  /** Unversioned import key (as the glue asks for it) to the versioned name the component imports. */
  importNames: Record<string, string>;
  /** Unversioned keys of the interfaces the worker implements itself. */
  builtins: string[];
  /** The glue's provider imports return promises and suspend the guest (runtime/jspi.ts). */
  jspi: boolean;
  /**
   * Which HTTP handler an HTTP invocation calls: WASI 0.2's `incoming-handler` or a WASIp3
   * component's `handler` (runtime/wasip3.ts).
   */
  httpHandler: 'incoming-handler' | 'handler';
}

/**
 * An in-process HTTP invocation whose bodies stream: `bodyStream` is the host-side request body
 * (read through `BODY_IFACE` bridge calls); `responseStream` makes the worker post `http-head` at
 * `response-outparam.set` and an `http-chunk` per body write instead of collecting the body.
 */
export interface HttpStreaming {
  bodyStream?: number;
  responseStream?: number;
}

export type InvocationKind = 'call' | 'http' | 'run';

export type MainToWorker =
  | { type: 'load'; key: string; gluePath: string; modules: Record<string, WebAssembly.Module>; settings: InstanceSettings; spares: number }
  | { type: 'unload'; key: string }
  /** Records wait in the invocation ring (the worker slept in its event loop). */
  | { type: 'wake' }
  /** Worker ingress (ingress/types.ts): listen for the http-server on `spec.address`. */
  | { type: 'ingress-open'; spec: IngressSpec; port: number; reusePort: boolean }
  | { type: 'ingress-routes'; address: string; routes: IngressRoute[] }
  | { type: 'ingress-close'; address: string }
  /** Components workers may serve routes of, by id (null: no longer). */
  | { type: 'ingress-targets'; targets: Array<[string, IngressTarget | null]> }
  /** Count what the worker serves itself, in histograms over these bounds, and report it. */
  | { type: 'ingress-metrics'; bounds: number[] }
  | { type: 'invoke'; id: number; key: string; kind: 'call'; iface: string; fn: string; args: unknown[] }
  | { type: 'invoke'; id: number; key: string; kind: 'http'; request: HttpRequest; stream?: HttpStreaming }
  | { type: 'invoke'; id: number; key: string; kind: 'run' };

export type FailureKind = 'trap' | 'exit' | 'wit-error' | 'export-not-found' | 'load' | 'response-too-large' | 'bad-request';

export interface Failure {
  kind: FailureKind;
  message: string;
  status?: number;
  payload?: unknown;
  available?: string[];
}

export type WorkerToMain =
  | { type: 'ready' }
  /** Records wait in the ring to the main thread (its reader slept). */
  | { type: 'wake' }
  | { type: 'ingress-opened'; address: string; port?: number; error?: string }
  | { type: 'ingress-closed'; address: string }
  /** A worker freed an instance slot of the component at admission `slot` while others queue. */
  | { type: 'released'; slot: number }
  /** The component at admission `slot` should be relayed from now on (it makes outgoing HTTP requests). */
  | { type: 'ingress-relay'; slot: number }
  /** What the worker served itself since its last report, by admission slot. */
  | { type: 'ingress-stats'; entries: Array<[string, WorkerStats]> }
  | { type: 'loaded'; key: string; error?: string }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; failure: Failure }
  /**
   * `invocation`: the pool's id of the invocation making the call (0: one the worker's ingress
   * serves); `suspends`: its guest is suspended on the call (JSPI), not blocking the worker.
   */
  | { type: 'host-call'; seq: number; componentId: string; iface: string; fn: string; args: unknown[]; linkName: string; invocation: number; suspends: boolean }
  | { type: 'host-drop'; componentId: string; iface: string; fn: string; args: unknown[]; linkName: string; invocation: number }
  | { type: 'http-head'; stream: number; status: number; headers: Array<[string, string]> }
  | { type: 'http-chunk'; stream: number; bytes: Uint8Array }
  | { type: 'log'; componentId: string; stream: 'stdout' | 'stderr'; line: string; invocation: number }
  /** A component instance was created (not reset): counted per version for the runtime's stats. */
  | { type: 'instantiated'; key: string };

/** Reply to a `host-call`, posted on the worker's bridge port before the bridge is signalled. */
export type HostCallReply =
  | { seq: number; ok: true; value: unknown }
  | { seq: number; ok: false; witError: true; payload: unknown }
  | { seq: number; ok: false; witError: false; message: string };

/**
 * A host resource handed to a guest through the import handler (a keyvalue bucket, a blobstore
 * container). The handler returns `{ $resource: 'bucket', id }`; method calls on it come back as
 * `[method]bucket.get` with this object as the first argument.
 */
export interface ResourceRef {
  $resource: string;
  id: number | string;
}

export function isResourceRef(value: unknown): value is ResourceRef {
  return typeof value === 'object' && value !== null && typeof (value as ResourceRef).$resource === 'string' && 'id' in value;
}
