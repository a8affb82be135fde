/**
 * What one invocation is on its way from the runtime through the pool to a worker slot and back:
 * the version it runs, the message the worker gets, and the outcome it reports.
 */
import type { Failure, HttpRequest, HttpStreaming, InstanceSettings, MainToWorker, WorkerToMain } from './worker-messages.js';

/** A component version the workers can load: glue path, compiled core modules, settings. */
export interface LoadSpec {
  key: string;
  gluePath: string;
  modules: Record<string, WebAssembly.Module>;
  settings: InstanceSettings;
  /** Pre-instantiated instances each worker keeps for this version. */
  spares: number;
}

export type InvokeMessage =
  | { kind: 'call'; iface: string; fn: string; args: unknown[] }
  | { kind: 'http'; request: HttpRequest; stream?: HttpStreaming }
  | { kind: 'run' };

export type Invoke = Extract<MainToWorker, { type: 'invoke' }>;

export type Outcome = { ok: true; value: unknown } | { ok: false; failure: Failure };

/** An invocation a slot runs, until its outcome, its deadline or the end of its worker. */
export interface Pending {
  resolve(outcome: Outcome): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
  componentId: string;
  deadlineMs: number;
  /** The invocation's trace context, when it is traced: its host calls and logs carry it. */
  traceparent: string | undefined;
}

export type HostCall = Extract<WorkerToMain, { type: 'host-call' }>;
export type HostDrop = Extract<WorkerToMain, { type: 'host-drop' }>;
