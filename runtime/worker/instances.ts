/**
 * Component versions loaded in this worker, their pre-instantiated spare instances, and the
 * invocation of exports. A fresh instance serves each invocation unless the component opted into
 * reuse; a trap, exit or failed host call always discards the instance. Under JSPI an invocation
 * whose guest suspends on a provider call answers with a promise, and the worker runs others on
 * other instances meanwhile.
 */
import { pathToFileURL } from 'node:url';
import { drainDue } from '../../protocol/streams/flow.js';
import { BODY_IFACE } from '../http-streams.js';
import type { Failure, HttpRequest, HttpResponse, InstanceSettings, WorkerToMain } from '../worker-messages.js';
import { HostCallFailure, type BridgeClient } from './bridge-client.js';
import { beginInvocation, type InvocationState } from './invocation-state.js';
import { GLUE_STATE, type GlueStateHook } from '../glue/hook.js';
import { CoreInstanceRecorder, InstanceSnapshot } from './instance-reset.js';
import { buildImports } from './imports.js';
import { Wasm } from '../wasm-api.js';
import { ExitSignal } from './wasi/cli.js';
import { HostBodyStream } from './wasi/http-body.js';
import { IncomingRequest, type OutgoingResponse, ResponseOutparam } from './wasi/http-incoming.js';

type Exports = Record<string | symbol, Record<string, unknown> | ((...args: unknown[]) => unknown)>;
type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: unknown,
  instantiateCore?: CoreInstanceRecorder['instantiateCore'],
) => Exports;

/** One component instance; `snapshot` is set when it is reset between invocations. */
interface Instance {
  exports: Exports;
  snapshot: InstanceSnapshot | null;
}

interface Loaded {
  key: string;
  settings: InstanceSettings;
  instantiate: Instantiate;
  modules: Record<string, WebAssembly.Module>;
  /** Ready to serve: pre-instantiated, or reset since their last invocation. */
  spares: Instance[];
  /** Served an invocation and wait to be reset (after the reply is out, see `refill`). */
  used: Instance[];
  /** Instances serving an invocation now (several under JSPI, while guests are suspended). */
  active: number;
  /** The most that served at once: with reuse, as many are kept (at most max_instances). */
  peak: number;
  spareTarget: number;
  imports?: Record<string, Record<string, unknown>>;
  /** `iface#fn` to where the function sits in an instance's exports: found once per version. */
  paths: Map<string, FunctionPath>;
}

/** An invocation failed; `failure` is what the main thread turns into a typed error. */
export class InvocationFailure {
  constructor(readonly failure: Failure) {}
}

export type Logger = (componentId: string, stream: 'stdout' | 'stderr', line: string) => void;

/** Where a streamed HTTP answer goes: the main thread (postingSink) or a socket (worker ingress). */
export interface ResponseSink {
  head(status: number, headers: Array<[string, string]>): void;
  chunk(bytes: Uint8Array): void;
}

/** A response body larger than this streams to the main thread instead of travelling whole. */
const STREAM_AFTER = 64 * 1024;

/** What an invocation answers: at once, or later when its guest suspended (JSPI). */
export type Answer<T> = T | Promise<T>;

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
    const entry: Loaded = {
      key,
      settings,
      instantiate: glue.instantiate,
      modules,
      spares: [],
      used: [],
      active: 0,
      peak: 0,
      spareTarget: spares,
      paths: new Map(),
    };
    this.loaded.set(key, entry);
    this.refill(entry);
  }

  unload(key: string): void {
    this.loaded.delete(key);
  }

  /** Whether version `key` is loaded in this worker. */
  has(key: string): boolean {
    return this.loaded.has(key);
  }

  private create(entry: Loaded): Instance {
    const { settings } = entry;
    // One import object per component version: the host functions keep no per-instance state
    // (an instance's state lives in the glue), and building it costs ~37 us per instantiation.
    entry.imports ??= buildImports(settings, this.bridge, {
      env: settings.env,
      args: settings.args,
      log: (stream, line) => this.log(settings.componentId, stream, line),
    });
    const recorder = new CoreInstanceRecorder();
    const exports = entry.instantiate(
      (name) => {
        const module = entry.modules[name];
        if (!module) throw new Error(`glue asked for unknown core module ${name}`);
        return module;
      },
      entry.imports,
      recorder.instantiateCore,
    );
    this.post({ type: 'instantiated', key: entry.key });
    const resettable = !settings.reuse && settings.reset.resettable;
    const hook = exports[Symbol.for(GLUE_STATE)] as unknown as GlueStateHook | undefined;
    const snapshot = resettable && hook ? InstanceSnapshot.capture(recorder, hook, settings.reset.tables) : null;
    return { exports, snapshot };
  }

  /**
   * Keeps the spare pool full: resets the instances used since the last call, then instantiates
   * what is missing. Runs between invocations, after the reply is posted, so neither is on the
   * request path.
   */
  refill(entry?: Loaded): void {
    const entries = entry ? [entry] : [...this.loaded.values()];
    for (const e of entries) {
      for (let used = e.used.pop(); used; used = e.used.pop()) {
        if (used.snapshot!.restore()) e.spares.push(used);
      }
      while (e.spares.length < e.spareTarget) e.spares.push(this.create(e));
    }
  }

  private take(entry: Loaded): Instance {
    const spare = entry.spares.pop();
    if (spare) return spare;
    // An invocation that arrived before the last one's instance was reset: reset it now.
    for (let used = entry.used.pop(); used; used = entry.used.pop()) {
      if (used.snapshot!.restore()) return used;
    }
    return this.create(entry);
  }

  /** After an invocation that did not trap: keep the instance when it can serve another one. */
  private release(entry: Loaded, instance: Instance): void {
    entry.active--;
    if (entry.settings.reuse) {
      // As many as were in use at once are worth keeping: under JSPI that is more than one.
      if (entry.spares.length < Math.max(1, entry.spareTarget, entry.peak)) entry.spares.push(instance);
      return;
    }
    // Handles the guest still holds go with the reset: their host objects are disposed then.
    if (instance.snapshot) entry.used.push(instance);
  }

  /**
   * Runs `body` on an instance, classifying every way it can fail. `state` is the invocation's
   * (invocation-state.ts); the caller reads what it recorded (streamed, outgoing HTTP) after.
   */
  private run<T>(key: string, state: InvocationState, body: (instance: Exports, settings: InstanceSettings, entry: Loaded) => Answer<T>): Answer<T> {
    const entry = this.loaded.get(key);
    if (!entry) throw new InvocationFailure({ kind: 'load', message: `component version ${key} is not loaded in this worker` });
    const instance = this.take(entry);
    if (++entry.active > entry.peak) entry.peak = entry.active;
    state.bodyLimit = entry.settings.maxResponseBytes;
    let result: Answer<T>;
    try {
      result = body(instance.exports, entry.settings, entry);
    } catch (error) {
      return this.failed(entry, instance, error);
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          this.release(entry, instance);
          return value;
        },
        (error: unknown) => this.failed(entry, instance, error),
      );
    }
    this.release(entry, instance);
    return result;
  }

  private failed(entry: Loaded, instance: Instance, error: unknown): never {
    if (error instanceof InvocationFailure) {
      if (error.failure.kind === 'export-not-found' || error.failure.kind === 'wit-error') this.release(entry, instance);
      else entry.active--;
      throw error;
    }
    entry.active--;
    throw new InvocationFailure(classify(error));
  }

  call(key: string, iface: string, fn: string, args: unknown[], state: InvocationState = beginInvocation()): Answer<unknown> {
    return this.run(key, state, (instance, _settings, entry) => {
      const target = findFunction(instance, iface, fn, entry.paths);
      try {
        const value = target(...args);
        return value instanceof Promise ? value.catch(witError) : value;
      } catch (error) {
        return witError(error);
      }
    });
  }

  /**
   * Runs the incoming handler. The answer is collected and returned whole unless the guest blocks
   * after setting its response (a host call, a sleep) or writes more than STREAM_AFTER: then the
   * head and the body so far go to `sink` at once and later writes as they happen
   * (`state.streamed`). Without a sink the answer is always whole. A request body arrives whole
   * in `request` or, with `bodyStream`, through the bridge as the guest reads it.
   */
  http(
    key: string,
    request: HttpRequest,
    opts: { bodyStream?: number; sink?: ResponseSink } = {},
    state: InvocationState = beginInvocation(),
  ): Answer<HttpResponse> {
    return this.run(key, state, (instance, settings, entry) => {
      const handle = findFunction(instance, 'wasi:http/incoming-handler', 'handle', entry.paths);
      const out = new ResponseOutparam();
      const { bodyStream, sink } = opts;
      if (sink) {
        let pending: OutgoingResponse | null = null;
        const flush = (): void => {
          if (!pending || state.streamed) return;
          state.streamed = true;
          sink.head(pending.statusCode(), pending.headers().toPairs());
          pending.streamTo(sink.chunk);
        };
        out.onSet = (response) => {
          pending = response;
          response.watch(STREAM_AFTER, flush);
        };
        state.beforeBlocking = flush;
      }
      const openBody =
        bodyStream === undefined
          ? undefined
          : () => new HostBodyStream((len) => this.bridge.call(settings.componentId, BODY_IFACE, 'read', [bodyStream, len]) as Uint8Array);
      const done = handle(new IncomingRequest(request, openBody), out);
      return done instanceof Promise ? done.then(() => answerOf(out, settings)) : answerOf(out, settings);
    });
  }

  /**
   * A sink that posts a streamed answer to the main thread (`http-head`, then an `http-chunk`
   * per write). Every HIGH_WATER bytes the guest waits (a `drain` bridge call) until the main
   * thread's consumer has caught up (protocol/streams/flow.ts).
   */
  postingSink(key: string, stream: number): ResponseSink {
    const componentId = this.loaded.get(key)?.settings.componentId ?? key;
    let unsynced = 0;
    return {
      head: (status, headers) => this.post({ type: 'http-head', stream, status, headers }),
      chunk: (bytes) => {
        this.post({ type: 'http-chunk', stream, bytes });
        unsynced += bytes.length;
        if (drainDue(unsynced)) {
          unsynced = 0;
          this.bridge.call(componentId, BODY_IFACE, 'drain', [stream]);
        }
      },
    };
  }

  /** `wasi:cli/run`: returns when the service ends (it normally runs until its worker is stopped). */
  runService(key: string, state: InvocationState = beginInvocation()): Answer<unknown> {
    return this.run(key, state, (instance, _settings, entry) => {
      try {
        const value = findFunction(instance, 'wasi:cli/run', 'run', entry.paths)();
        return value instanceof Promise ? value.catch(cleanExit) : value;
      } catch (error) {
        return cleanExit(error);
      }
    });
  }
}

/** jco throws `ComponentError` with the payload when an export returns `err(E)`. */
function witError(error: unknown): never {
  if (typeof error === 'object' && error !== null && Object.hasOwn(error, 'payload') && !(error instanceof HostCallFailure)) {
    throw new InvocationFailure({ kind: 'wit-error', message: 'export returned an error', payload: (error as { payload: unknown }).payload });
  }
  throw error;
}

/** `exit(0)` ends a service as a return would. */
function cleanExit(error: unknown): undefined {
  if (error instanceof ExitSignal && error.status === 0) return undefined;
  throw error;
}

/** The response the handler set, once it returned. */
function answerOf(out: ResponseOutparam, settings: InstanceSettings): HttpResponse {
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
}

function unversioned(name: string): string {
  return name.replace(/@[^/]*$/, '');
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Where a function sits in an instance's exports: `exports[name]` or `exports[name][fn]`. */
type FunctionPath = readonly [string] | readonly [string, string];

/**
 * Finds `iface#fn` among the exports, matching the interface name with or without version. The
 * path is remembered per component version: every instance of it has the same exports.
 */
function findFunction(instance: Exports, iface: string, fn: string, paths: Map<string, FunctionPath>): (...args: unknown[]) => unknown {
  const key = `${iface}#${fn}`;
  let path = paths.get(key);
  if (!path) {
    path = searchFunction(instance, iface, fn);
    paths.set(key, path);
  }
  const first = instance[path[0]];
  const found = path.length === 1 ? first : (first as Record<string, unknown>)[path[1]];
  return found as (...args: unknown[]) => unknown;
}

function searchFunction(instance: Exports, iface: string, fn: string): FunctionPath {
  const wanted = unversioned(iface);
  const available: string[] = [];
  for (const [name, value] of Object.entries(instance)) {
    if (!name.includes(':') && typeof value !== 'function') continue;
    if (typeof value === 'function') {
      available.push(name);
      if (iface === '' && (name === fn || name === camel(fn))) return [name];
      continue;
    }
    const fns = Object.keys(value).filter((k) => typeof value[k] === 'function');
    available.push(...fns.map((f) => `${name}#${f}`));
    if (unversioned(name) === wanted) {
      if (typeof value[fn] === 'function') return [name, fn];
      if (typeof value[camel(fn)] === 'function') return [name, camel(fn)];
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
