/**
 * Component versions loaded in this worker, their pre-instantiated spare instances, and the
 * invocation of exports. A fresh instance serves each invocation unless the component opted into
 * reuse; a trap, exit or failed host call always discards the instance. Under JSPI an invocation
 * whose guest suspends on a provider call answers with a promise, and the worker runs others on
 * other instances meanwhile.
 */
import { pathToFileURL } from 'node:url';
import type { HttpRequest, HttpResponse, InstanceSettings, WorkerToMain } from '../worker-messages.js';
import type { BridgeClient } from './bridge-client.js';
import { beginInvocation, type InvocationState } from './invocation-state.js';
import { GLUE_STATE, type GlueStateHook } from '../glue/hook.js';
import { CoreInstanceRecorder, InstanceSnapshot } from './instance-reset.js';
import { buildImports } from './imports.js';
import { type Exports, findFunction, type FunctionPath } from './export-lookup.js';
import { classify, cleanExit, InvocationFailure, witError } from './invocation-failure.js';
import { handleIncoming, type IncomingOptions, postingSink, type ResponseSink } from './incoming-http.js';
import { handleP3 } from './incoming-http-p3.js';

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

export type Logger = (componentId: string, stream: 'stdout' | 'stderr', line: string) => void;

/** What an invocation answers: at once, or later when its guest suspended (JSPI). */
export type Answer<T> = T | Promise<T>;

export class InstanceManager {
  private readonly loaded = new Map<string, Loaded>();

  constructor(
    private readonly bridge: BridgeClient,
    private readonly log: Logger,
    /** Posts streamed HTTP heads and body chunks to the main thread. */
    private readonly post: (message: WorkerToMain) => void = () => undefined,
    /** The lowest pino level value of the wasi:logging lines the host records. */
    private readonly logThreshold = 0,
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
    entry.imports ??= buildImports(
      settings,
      this.bridge,
      {
        env: settings.env,
        args: settings.args,
        log: (stream, line) => this.log(settings.componentId, stream, line),
      },
      this.logThreshold,
    );
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
    state.suspends = entry.settings.jspi;
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
   * Runs the HTTP handler (incoming-http.ts; a WASIp3 one in incoming-http-p3.ts): the answer
   * whole, or streamed to `opts.sink`.
   */
  http(key: string, request: HttpRequest, opts: IncomingOptions = {}, state: InvocationState = beginInvocation()): Answer<HttpResponse> {
    return this.run(key, state, (instance, settings, entry) => {
      const handle = findFunction(instance, `wasi:http/${settings.httpHandler}`, 'handle', entry.paths);
      const run = settings.httpHandler === 'handler' ? handleP3 : handleIncoming;
      return run(handle, request, opts, state, settings, this.bridge);
    });
  }

  /** A sink posting a streamed answer of version `key` to the main thread. */
  postingSink(key: string, stream: number): ResponseSink {
    return postingSink(this.post, this.bridge, this.loaded.get(key)?.settings.componentId ?? key, stream);
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
