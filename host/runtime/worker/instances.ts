/**
 * Component versions loaded in this worker, their pre-instantiated spare instances, and the
 * invocation of exports. A fresh instance serves each invocation unless the component opted into
 * reuse; a trap, exit or failed host call always discards the instance.
 */
import { pathToFileURL } from 'node:url';
import { BODY_IFACE, HIGH_WATER } from '../http-streams.js';
import type { Failure, HttpRequest, HttpResponse, HttpStreaming, InstanceSettings, WorkerToMain } from '../worker-messages.js';
import { HostCallFailure, type BridgeClient } from './bridge-client.js';
import { buildImports } from './imports.js';
import { resetLinkNames } from './link-names.js';
import { Wasm } from '../wasm-api.js';
import { ExitSignal } from './wasi/cli.js';
import { HostBodyStream, IncomingRequest, OutgoingResponse, ResponseOutparam } from './wasi/http.js';

type Exports = Record<string, Record<string, unknown> | ((...args: unknown[]) => unknown)>;
type Instantiate = (getCoreModule: (name: string) => WebAssembly.Module, imports: unknown) => Exports;

interface Loaded {
  settings: InstanceSettings;
  instantiate: Instantiate;
  modules: Record<string, WebAssembly.Module>;
  spares: Exports[];
  spareTarget: number;
  imports?: Record<string, Record<string, unknown>>;
}

/** An invocation failed; `failure` is what the main thread turns into a typed error. */
export class InvocationFailure {
  constructor(readonly failure: Failure) {}
}

export type Logger = (componentId: string, stream: 'stdout' | 'stderr', line: string) => void;

export class InstanceManager {
  private readonly loaded = new Map<string, Loaded>();

  constructor(
    private readonly bridge: BridgeClient,
    private readonly log: Logger,
    /** Posts streamed HTTP heads and body chunks to the main thread. */
    private readonly post: (message: WorkerToMain) => void = () => undefined,
  ) {}

  async load(key: string, gluePath: string, modules: Record<string, WebAssembly.Module>, settings: InstanceSettings, spares: number): Promise<void> {
    if (this.loaded.has(key)) return;
    const glue = (await import(pathToFileURL(gluePath).href)) as { instantiate: Instantiate };
    const entry: Loaded = { settings, instantiate: glue.instantiate, modules, spares: [], spareTarget: spares };
    this.loaded.set(key, entry);
    this.refill(entry);
  }

  unload(key: string): void {
    this.loaded.delete(key);
  }

  private create(entry: Loaded): Exports {
    const { settings } = entry;
    // One import object per component version: the host functions keep no per-instance state
    // (an instance's state lives in the glue), and building it costs ~37 us per instantiation.
    entry.imports ??= buildImports(settings, this.bridge, {
      env: settings.env,
      args: settings.args,
      log: (stream, line) => this.log(settings.componentId, stream, line),
    });
    return entry.instantiate((name) => {
      const module = entry.modules[name];
      if (!module) throw new Error(`glue asked for unknown core module ${name}`);
      return module;
    }, entry.imports);
  }

  /** Keeps the spare pool full; runs between invocations, so instantiation is off the request path. */
  refill(entry?: Loaded): void {
    const entries = entry ? [entry] : [...this.loaded.values()];
    for (const e of entries) {
      while (e.spares.length < e.spareTarget) e.spares.push(this.create(e));
    }
  }

  private take(entry: Loaded): Exports {
    return entry.spares.pop() ?? this.create(entry);
  }

  private release(entry: Loaded, instance: Exports): void {
    if (entry.settings.reuse && entry.spares.length < Math.max(1, entry.spareTarget)) entry.spares.push(instance);
  }

  /** Runs `body` on an instance, classifying every way it can fail. */
  private run<T>(key: string, body: (instance: Exports, settings: InstanceSettings) => T): T {
    const entry = this.loaded.get(key);
    if (!entry) throw new InvocationFailure({ kind: 'load', message: `component version ${key} is not loaded in this worker` });
    const instance = this.take(entry);
    resetLinkNames();
    let result: T;
    try {
      result = body(instance, entry.settings);
    } catch (error) {
      if (error instanceof InvocationFailure) {
        if (error.failure.kind === 'export-not-found' || error.failure.kind === 'wit-error') this.release(entry, instance);
        throw error;
      }
      throw new InvocationFailure(classify(error));
    }
    this.release(entry, instance);
    return result;
  }

  call(key: string, iface: string, fn: string, args: unknown[]): unknown {
    return this.run(key, (instance) => {
      const target = findFunction(instance, iface, fn);
      try {
        return target(...args);
      } catch (error) {
        // jco throws `ComponentError` with the payload when an export returns `err(E)`.
        if (typeof error === 'object' && error !== null && Object.hasOwn(error, 'payload') && !(error instanceof HostCallFailure)) {
          throw new InvocationFailure({ kind: 'wit-error', message: 'export returned an error', payload: (error as { payload: unknown }).payload });
        }
        throw error;
      }
    });
  }

  http(key: string, request: HttpRequest, streaming: HttpStreaming = {}): HttpResponse {
    return this.run(key, (instance, settings) => {
      const handle = findFunction(instance, 'wasi:http/incoming-handler', 'handle');
      OutgoingResponse.bodyLimit = settings.maxResponseBytes;
      const out = new ResponseOutparam();
      const { bodyStream, responseStream } = streaming;
      const call = (fn: string, args: unknown[]): unknown => this.bridge.call(settings.componentId, BODY_IFACE, fn, args);
      if (responseStream !== undefined) out.onSet = (response) => this.streamResponse(response, responseStream, call);
      const openBody = bodyStream === undefined ? undefined : () => new HostBodyStream((len) => call('read', [bodyStream, len]) as Uint8Array);
      handle(new IncomingRequest(request, openBody), out);
      const result = out.result;
      if (!result) throw new InvocationFailure({ kind: 'trap', message: 'the handler returned without setting a response' });
      if (result.tag === 'err') {
        return { status: 500, headers: [['content-type', 'text/plain']], body: new TextEncoder().encode(`component error: ${JSON.stringify(result.val)}`) };
      }
      const response = result.val;
      const collector = response.collected?.collector;
      if (collector?.overflowed) {
        throw new InvocationFailure({
          kind: 'response-too-large',
          message: `the response body exceeded the component's ${settings.maxResponseBytes} byte limit`,
        });
      }
      return { status: response.statusCode(), headers: response.headers().toPairs(), body: collector?.bytes() ?? new Uint8Array(0) };
    });
  }

  /**
   * Sends the head now and each body write as it happens. Every HIGH_WATER bytes the guest waits
   * (a `drain` bridge call) until the main thread's consumer has caught up.
   */
  private streamResponse(response: OutgoingResponse, stream: number, call: (fn: string, args: unknown[]) => unknown): void {
    this.post({ type: 'http-head', stream, status: response.statusCode(), headers: response.headers().toPairs() });
    let unsynced = 0;
    response.streamTo((bytes) => {
      this.post({ type: 'http-chunk', stream, bytes });
      unsynced += bytes.length;
      if (unsynced >= HIGH_WATER) {
        unsynced = 0;
        call('drain', [stream]);
      }
    });
  }

  /** `wasi:cli/run`: returns when the service ends (it normally runs until its worker is stopped). */
  runService(key: string): unknown {
    return this.run(key, (instance) => {
      try {
        return findFunction(instance, 'wasi:cli/run', 'run')();
      } catch (error) {
        if (error instanceof ExitSignal && error.status === 0) return undefined;
        throw error;
      }
    });
  }
}

function unversioned(name: string): string {
  return name.replace(/@[^/]*$/, '');
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Finds `iface#fn` among the exports, matching the interface name with or without version. */
function findFunction(instance: Exports, iface: string, fn: string): (...args: unknown[]) => unknown {
  const wanted = unversioned(iface);
  const available: string[] = [];
  for (const [name, value] of Object.entries(instance)) {
    if (!name.includes(':') && typeof value !== 'function') continue;
    if (typeof value === 'function') {
      available.push(name);
      if (iface === '' && (name === fn || name === camel(fn))) return value;
      continue;
    }
    const fns = Object.keys(value).filter((k) => typeof value[k] === 'function');
    available.push(...fns.map((f) => `${name}#${f}`));
    if (unversioned(name) === wanted) {
      const f = value[fn] ?? value[camel(fn)];
      if (typeof f === 'function') return f as (...args: unknown[]) => unknown;
    }
  }
  throw new InvocationFailure({ kind: 'export-not-found', message: `no export ${iface}#${fn}`, available });
}

function classify(error: unknown): Failure {
  if (error instanceof ExitSignal) return { kind: 'exit', message: `exit status ${error.status}`, status: error.status };
  if (error instanceof HostCallFailure) return { kind: 'trap', message: error.message };
  if (error instanceof Wasm.RuntimeError) return { kind: 'trap', message: `wasm trap: ${error.message.replace(/^wasm trap:\s*/, '')}` };
  if (error instanceof RangeError && /memory|allocation/i.test(error.message)) return { kind: 'trap', message: `out of memory: ${error.message}` };
  if (error instanceof Error) return { kind: 'trap', message: `${error.name}: ${error.message}` };
  return { kind: 'trap', message: `guest threw ${String(error)}` };
}
