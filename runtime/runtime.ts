/**
 * The component runtime of one host: scale, update, invoke, stop. Components are loaded through
 * `ImageCompiler`, scaled, replaced and given canaries by lifecycle.ts, kept in the component table
 * (components.ts), admitted per component (admission.ts: max_instances with a bounded queue), and
 * run in `WorkerPool` workers within their deadline, memory cap and response size; services run
 * apart (services.ts), HTTP bodies stream (http.ts, http-bodies.ts).
 */
import { availableParallelism } from 'node:os';
import { createLogger, type Logger } from '../lib/logger.js';
import { ComponentNotFoundError, RuntimeStoppedError } from './errors.js';
import { failureError } from './failures.js';
import { ComponentTable, type ComponentInfo, type ScaleRequest } from './components.js';
import { ComponentLifecycle } from './lifecycle.js';
import type { IngressController } from './ingress/controller.js';
import type { HandleControl } from './worker/handle-cache.js';
import { noImportHandler, type ImportHandler } from './host-calls.js';
import { defaultLoaders, type ImageLoader } from './image-loader.js';
import { defaultCanSatisfy, type CanSatisfy } from './imports.js';
import { ImageCompiler } from './loader.js';
import { DEFAULT_LIMITS, type ComponentLimits } from './settings.js';
import { defaultCacheDir, TranspileCache } from './transpile-cache.js';
import type { TranspileShare } from './transpile-share.js';
import { jspiAvailable, jspiWanted, tuneJspiStacks } from './jspi.js';
import { WorkerPool } from './worker-pool.js';
import type { InvokeMessage, Outcome } from './invocation.js';
import { isServerError } from './canary.js';
import { HttpBodies } from './http-bodies.js';
import { INCOMING_HANDLER, streamHttp, type StreamingHttpRequest } from './http.js';
import type { StreamingHttpResponse } from './http-streams.js';
import type { HttpRequest, HttpResponse } from './worker-messages.js';
import type { CanaryStatus } from '../protocol/schemas/canary.js';

export interface RuntimeOptions {
  /** Where transpiled components are cached (default `~/.lattice/cache`). */
  cacheDir?: string;
  /** Transpiled components shared with the other hosts of the lattice (transpile-share.ts). */
  transpileShare?: TranspileShare;
  logger?: Logger;
  /** Serves every import that is not built-in WASI (providers, links). */
  importHandler?: ImportHandler;
  /** Decides at scale time whether an import can be served (the link router's policy). */
  canSatisfy?: CanSatisfy;
  /** Worker threads for invocations (default: the number of CPUs, at least 2). */
  poolSize?: number;
  /**
   * Ceiling for extra workers started while others are blocked on host calls (default
   * 4 x poolSize). They stop after 10 s without work.
   */
  maxPoolSize?: number;
  /** Image sources by scheme (default: `file://`). */
  loaders?: readonly ImageLoader[];
  /** How long a guest may block on one host call (default 30 s). */
  bridgeTimeoutMs?: number;
  /** Busy-wait before sleeping on a host call, in microseconds (default 50; 0 = never spin). */
  bridgeSpinUs?: number;
  /**
   * The lowest pino level value (trace 10 ... fatal 60) of the `wasi:logging` lines the import
   * handler records: lower lines are dropped in the workers, without reaching the main thread
   * (default 0: every line reaches the import handler).
   */
  guestLogLevel?: number;
  /** Limits for components whose annotations do not set them. */
  defaults?: Partial<ComponentLimits>;
  /**
   * A `wasi:cli/run` service ended on its own (not by scale 0): `error` is null when `run`
   * returned ok. The host may report it (an event) or rescale.
   */
  onServiceExit?: (componentId: string, error: string | null) => void;
  /**
   * Provider calls suspend their guest so that its worker runs other invocations meanwhile
   * (JSPI, runtime/jspi.ts). Default: where this Node has JSPI, unless `LATTICE_JSPI=off`.
   */
  jspi?: boolean;
}

export interface InvokeOptions {
  /** Overrides the component's deadline for this invocation. */
  deadlineMs?: number;
  /** The invocation's trace context (only when traced): its host calls and log lines carry it. */
  traceparent?: string;
}

export class ComponentRuntime {
  readonly logger: Logger;
  readonly cache: TranspileCache;
  /** Whether provider calls suspend their guest (JSPI) rather than block its worker. */
  readonly jspi: boolean;
  private readonly pool: WorkerPool;
  /** HTTP body routing around the import handler (the pool's host calls). */
  private readonly bodies: HttpBodies;
  private readonly components: ComponentTable;
  private readonly lifecycle: ComponentLifecycle;
  private stopped = false;

  constructor(options: RuntimeOptions = {}) {
    this.logger = options.logger ?? createLogger({ component: 'runtime' });
    this.jspi = (options.jspi ?? jspiWanted()) && jspiAvailable();
    if (this.jspi) tuneJspiStacks();
    this.cache = new TranspileCache(options.cacheDir ?? defaultCacheDir(), this.logger, this.jspi, options.transpileShare);
    const compiler = new ImageCompiler({
      cache: this.cache,
      loaders: options.loaders ?? defaultLoaders,
      canSatisfy: options.canSatisfy ?? defaultCanSatisfy,
    });
    const size = options.poolSize ?? Math.max(2, availableParallelism());
    this.bodies = new HttpBodies(options.importHandler ?? noImportHandler);
    this.pool = new WorkerPool(size, this.bodies, this.logger, options.bridgeTimeoutMs ?? 30_000, {
      maxSize: Math.max(size, options.maxPoolSize ?? size * 4),
      bridgeSpinUs: options.bridgeSpinUs,
      guestLogLevel: options.guestLogLevel,
    });
    this.components = new ComponentTable(this.pool.admission, this.pool.workers.instantiations);
    this.pool.onReleased = (slot) => this.components.wake(slot);
    this.lifecycle = new ComponentLifecycle({
      compiler,
      pool: this.pool,
      components: this.components,
      logger: this.logger,
      defaults: { ...DEFAULT_LIMITS, ...options.defaults },
      stopped: () => this.stopped,
      onServiceExit: options.onServiceExit,
    });
  }

  /**
   * Starts, rescales, replaces (new image) or stops (count 0) a component. Resolves when it is
   * ready to serve (pre-instantiated in every worker; services started), or throws a typed error:
   * `ImageLoadError`, `InvalidComponentError`, `UnsatisfiedImportsError`, `InvalidSettingError`.
   */
  scale(request: ScaleRequest): Promise<ComponentInfo | null> {
    return this.lifecycle.scale(request);
  }

  /**
   * Replaces the image of a running component; in-flight and queued invocations are not dropped.
   * Always reloads, so a rebuilt file at the same `file://` path is picked up.
   */
  update(componentId: string, imageRef: string, annotations?: Record<string, string>, verifyUpgrade?: ScaleRequest['verifyUpgrade']): Promise<ComponentInfo> {
    return this.lifecycle.update(componentId, imageRef, annotations, verifyUpgrade);
  }

  /** Calls an exported function: `invoke('echo', 'lattice:fixtures/echo', 'echo', ['hi'])`. */
  async invoke(componentId: string, iface: string, fn: string, args: unknown[], options: InvokeOptions = {}): Promise<unknown> {
    return this.run(componentId, { kind: 'call', iface, fn, args }, options, iface, fn);
  }

  /** Sends an HTTP-shaped request to the component's `wasi:http/incoming-handler`. */
  async handleHttp(componentId: string, request: HttpRequest, options: InvokeOptions = {}): Promise<HttpResponse> {
    return (await this.run(componentId, { kind: 'http', request }, options, INCOMING_HANDLER, 'handle')) as HttpResponse;
  }

  /**
   * Like `handleHttp`, with both bodies streaming: an AsyncIterable request body is read by the
   * guest as it arrives. An answer the guest completes without blocking after setting it (and
   * below 64 KiB) comes whole, its body a Uint8Array. Otherwise it resolves once the guest has
   * set its response and blocks or writes more, with a body that yields the guest's writes and
   * ends with the invocation (a failure after the head, such as a trap or the response size
   * limit, makes the body throw). A guest that fails before setting a response rejects, as
   * `handleHttp` does.
   */
  streamHttp(componentId: string, request: StreamingHttpRequest, options: InvokeOptions = {}): Promise<StreamingHttpResponse> {
    return streamHttp(this, this.bodies.streams, componentId, request, options);
  }

  /**
   * The one path of every invocation: admission (max_instances, queue), the version it runs,
   * the pool, and the typed error of a failure. Internal (http.ts streams through it).
   */
  async run(componentId: string, message: InvokeMessage, options: InvokeOptions, iface: string, fn: string): Promise<unknown> {
    if (this.stopped) throw new RuntimeStoppedError();
    const component = this.components.get(componentId);
    if (!component) throw new ComponentNotFoundError(componentId);
    await component.admission.acquire();
    const canary = component.canary;
    const toCanary = canary?.pick() === true;
    const version = toCanary ? canary.version : component.version;
    const started = canary ? performance.now() : 0;
    version.inflight++;
    let outcome: Outcome;
    try {
      outcome = await this.pool.execute(version.spec, message, options.deadlineMs ?? component.limits.deadlineMs, options.traceparent);
    } finally {
      version.inflight--;
      if (version.inflight === 0) version.onIdle?.();
      component.admission.release();
    }
    if (canary) (toCanary ? canary.canary : canary.stable).record(performance.now() - started, !outcome.ok || isServerError(outcome.value));
    if (outcome.ok) return outcome.value;
    throw failureError(componentId, iface, fn, outcome.failure);
  }

  /**
   * The workers' copies of open handles (worker/handle-cache.ts): off until the import handler
   * says it keeps handles (`enable`), then told of every handle it lets go.
   */
  get handles(): HandleControl {
    return this.pool.handles;
  }

  /** Listeners of the http-server provider in the runtime's workers (ingress/controller.ts). */
  get ingress(): IngressController {
    return this.pool.ingress;
  }

  /**
   * Per component: invocations running, waiting for an instance, its max, ready spare instances;
   * and the workers by state. Read when metrics are scraped.
   */
  stats(): {
    components: Array<{ id: string; running: number; queued: number; maxInstances: number; spares: number }>;
    workers: { idle: number; busy: number; blocked: number };
  } {
    const pool = this.pool.workers.counts();
    return {
      components: [...this.components.values()].map((c) => ({
        id: c.id,
        running: c.admission.running,
        queued: c.admission.queued,
        maxInstances: c.maxInstances,
        spares: pool.spares.get(c.version.spec.key) ?? 0,
      })),
      workers: { idle: pool.idle, busy: pool.busy, blocked: pool.blocked },
    };
  }

  /** Worker threads running now (pool plus extra workers; services not counted). */
  get workerCount(): number {
    return this.pool.workers.all.length;
  }

  list(): ComponentInfo[] {
    return [...this.components.values()].map((c) => this.components.describe(c));
  }

  /** The component's canary with its figures so far, or null when it runs none. */
  canary(componentId: string): CanaryStatus | null {
    return this.components.get(componentId)?.canary?.status() ?? null;
  }

  get(componentId: string): ComponentInfo | null {
    const component = this.components.get(componentId);
    return component ? this.components.describe(component) : null;
  }

  /** Stops every component and worker. Pending invocations fail with `RuntimeStoppedError`. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const component of this.components.values()) {
      component.admission.rejectAll(new RuntimeStoppedError());
      await component.service?.stop();
    }
    this.components.clear();
    await this.pool.stop();
  }
}
