/**
 * The component runtime of one host: scale, update, invoke, stop. Components are loaded through
 * `ImageCompiler`, kept in the component table (components.ts), admitted per component
 * (admission.ts: max_instances with a bounded queue), and run in `WorkerPool` workers within their
 * deadline, memory cap and response size; services run apart (services.ts), HTTP bodies stream
 * (http.ts, http-bodies.ts).
 */
import { availableParallelism } from 'node:os';
import { createLogger, type Logger } from '../lib/logger.js';
import { ComponentNotFoundError, IncompatibleUpgradeError, InvalidSettingError, RuntimeStoppedError } from './errors.js';
import { failureError } from './failures.js';
import { type Component, ComponentTable, describe, type ComponentInfo, type ScaleRequest } from './components.js';
import { loadVersion, retireVersion, type Version } from './versions.js';
import type { IngressController } from './ingress/controller.js';
import type { HandleControl } from './worker/handle-cache.js';
import { noImportHandler, type ImportHandler } from './host-calls.js';
import { defaultLoaders, type ImageLoader } from './image-loader.js';
import { defaultCanSatisfy, type CanSatisfy } from './imports.js';
import { ImageCompiler } from './loader.js';
import { DEFAULT_LIMITS, limitsFrom, type ComponentLimits } from './settings.js';
import { defaultCacheDir, TranspileCache } from './transpile-cache.js';
import type { TranspileShare } from './transpile-share.js';
import { jspiAvailable, jspiWanted } from './jspi.js';
import { WorkerPool } from './worker-pool.js';
import type { InvokeMessage, Outcome } from './invocation.js';
import { restartService } from './services.js';
import { Canary, endCanary, isServerError } from './canary.js';
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
  private readonly compiler: ImageCompiler;
  private readonly pool: WorkerPool;
  /** HTTP body routing around the import handler (the pool's host calls). */
  private readonly bodies: HttpBodies;
  private readonly components: ComponentTable;
  /** Serialises scale/update per component so concurrent requests apply in order. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly defaults: ComponentLimits;
  private stopped = false;
  private readonly onServiceExit: RuntimeOptions['onServiceExit'];

  constructor(options: RuntimeOptions = {}) {
    this.onServiceExit = options.onServiceExit;
    this.logger = options.logger ?? createLogger({ component: 'runtime' });
    this.jspi = (options.jspi ?? jspiWanted()) && jspiAvailable();
    this.cache = new TranspileCache(options.cacheDir ?? defaultCacheDir(), this.logger, this.jspi, options.transpileShare);
    this.compiler = new ImageCompiler({
      cache: this.cache,
      loaders: options.loaders ?? defaultLoaders,
      canSatisfy: options.canSatisfy ?? defaultCanSatisfy,
    });
    this.defaults = { ...DEFAULT_LIMITS, ...options.defaults };
    const size = options.poolSize ?? Math.max(2, availableParallelism());
    this.bodies = new HttpBodies(options.importHandler ?? noImportHandler);
    this.pool = new WorkerPool(
      size,
      this.bodies,
      this.logger,
      options.bridgeTimeoutMs ?? 30_000,
      Math.max(size, options.maxPoolSize ?? size * 4),
      options.bridgeSpinUs ?? 50,
    );
    this.components = new ComponentTable(this.pool.admission);
    this.pool.onReleased = (slot) => this.components.wake(slot);
  }

  /**
   * Starts, rescales, replaces (new image) or stops (count 0) a component. Resolves when it is
   * ready to serve (pre-instantiated in every worker; services started), or throws a typed error:
   * `ImageLoadError`, `InvalidComponentError`, `UnsatisfiedImportsError`, `InvalidSettingError`.
   */
  scale(request: ScaleRequest): Promise<ComponentInfo | null> {
    return this.serialised(request.componentId, () => this.applyScale(request));
  }

  /**
   * Replaces the image of a running component; in-flight and queued invocations are not dropped.
   * Always reloads, so a rebuilt file at the same `file://` path is picked up.
   */
  update(componentId: string, imageRef: string, annotations?: Record<string, string>, verifyUpgrade?: ScaleRequest['verifyUpgrade']): Promise<ComponentInfo> {
    return this.serialised(componentId, async () => {
      const component = this.components.get(componentId);
      if (!component) throw new ComponentNotFoundError(componentId);
      const info = await this.applyScale(
        {
          ...component.request,
          imageRef,
          count: component.maxInstances,
          annotations: annotations ?? component.annotations,
          ...(verifyUpgrade ? { verifyUpgrade } : {}),
        },
        true,
      );
      return info!;
    });
  }

  private async serialised<T>(componentId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(componentId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(componentId, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(componentId) === next) this.locks.delete(componentId);
    }
  }

  private async applyScale(request: ScaleRequest, reload = false): Promise<ComponentInfo | null> {
    if (this.stopped) throw new RuntimeStoppedError();
    if (!Number.isInteger(request.count) || request.count < 0) {
      throw new InvalidSettingError(`count must be a non-negative integer, got ${request.count}`);
    }
    const existing = this.components.get(request.componentId);
    if (request.count === 0) {
      if (existing) await this.remove(existing);
      return null;
    }
    const limits = limitsFrom(request.annotations ?? {}, this.defaults);
    if (existing?.canary && !request.canary) {
      const promoted = endCanary(existing, request, limits, (v) => this.retireVersion(v));
      this.publishTarget(existing);
      if (promoted) {
        existing.admission.resize(request.count, limits.queueLimit);
        this.logger.info({ component_id: existing.id, image_ref: request.imageRef }, 'canary promoted');
        return this.describe(existing);
      }
    }
    const component = await this.scaleVersion(request, limits, existing, reload);
    if (request.canary) await this.startCanary(component, request, limits);
    return this.describe(component);
  }

  /** Runs `request.canary`'s image beside the component's version for its share of the invocations. */
  private async startCanary(component: Component, request: ScaleRequest, limits: ComponentLimits): Promise<void> {
    const wanted = request.canary!;
    if (component.kind === 'service') throw new InvalidSettingError(`${component.id} is a service: a canary needs a component that serves invocations`);
    const current = component.canary;
    if (current?.version.image.imageRef === wanted.imageRef) {
      if (current.weight !== wanted.weight) component.canary = new Canary(current.version, wanted.weight);
      return;
    }
    component.revision++;
    const version = await loadVersion(this.compiler, this.pool, this.logger, { ...request, imageRef: wanted.imageRef }, limits, component.revision);
    const refusal = request.verifyUpgrade?.(version.image.transpiled.exports) ?? null;
    if (refusal) {
      this.pool.unload(version.spec.key);
      throw new IncompatibleUpgradeError(request.componentId, refusal.missing, refusal.detail);
    }
    component.canary = new Canary(version, wanted.weight);
    if (current) this.retireVersion(current.version);
    this.publishTarget(component);
    this.logger.info({ component_id: component.id, image_ref: wanted.imageRef, weight: wanted.weight }, 'canary started');
  }

  /** Scales, replaces or starts the component's (stable) version; the component as it now is. */
  private async scaleVersion(request: ScaleRequest, limits: ComponentLimits, existing: Component | undefined, reload: boolean): Promise<Component> {
    const annotations = request.annotations ?? {};
    const sameImage =
      !reload &&
      existing &&
      existing.version.image.imageRef === request.imageRef &&
      JSON.stringify(existing.limits) === JSON.stringify(limits) &&
      JSON.stringify(existing.request.env ?? {}) === JSON.stringify(request.env ?? {}) &&
      JSON.stringify(existing.request.args ?? []) === JSON.stringify(request.args ?? []);
    if (existing && sameImage) {
      existing.maxInstances = request.count;
      existing.annotations = annotations;
      existing.request = request;
      existing.revision++;
      existing.admission.resize(request.count, limits.queueLimit);
      return existing;
    }
    const revision = existing ? existing.revision + 1 : 0;
    const version = await loadVersion(this.compiler, this.pool, this.logger, request, limits, revision);
    const refusal = existing ? (request.verifyUpgrade?.(version.image.transpiled.exports) ?? null) : null;
    if (refusal) {
      this.pool.unload(version.spec.key);
      throw new IncompatibleUpgradeError(request.componentId, refusal.missing, refusal.detail);
    }
    if (existing) {
      const old = existing.version;
      existing.version = version;
      existing.limits = limits;
      existing.annotations = annotations;
      existing.maxInstances = request.count;
      existing.request = request;
      existing.revision = revision;
      this.retireVersion(old);
      if (existing.service) await restartService(existing, this.pool, this.logger, this.onServiceExit);
      existing.admission.resize(request.count, limits.queueLimit);
      this.publishTarget(existing);
      this.logger.info({ component_id: request.componentId, image_ref: request.imageRef }, 'component updated');
      return existing;
    }
    const component = this.components.admit(request, version, annotations, limits, revision);
    this.publishTarget(component);
    if (component.kind === 'service') await restartService(component, this.pool, this.logger, this.onServiceExit);
    this.logger.info({ component_id: component.id, image_ref: request.imageRef, max_instances: request.count }, 'component scaled');
    return component;
  }

  private retireVersion(version: Version): void {
    retireVersion(version, (key) => this.pool.unload(key));
  }

  private async remove(component: Component): Promise<void> {
    component.admission.rejectAll(new ComponentNotFoundError(component.id));
    this.pool.ingress.setTarget(component.id, null);
    this.components.dismiss(component);
    await component.service?.stop();
    component.service = undefined;
    this.retireVersion(component.version);
    if (component.canary) this.retireVersion(component.canary.version);
    component.canary = undefined;
    this.logger.info({ component_id: component.id }, 'component stopped');
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
   * Lets the runtime's workers serve the http-server routes of a wasi:http component themselves
   * (ingress/types.ts), with its current version.
   */
  private publishTarget(component: Component): void {
    if (component.kind !== 'http') return;
    // A canary's share is dealt on this thread, so its requests are relayed here (runtime.run).
    this.pool.ingress.setTarget(component.id, { key: component.version.spec.key, slot: component.admission.slot, relayOnly: component.canary !== undefined });
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
    const pool = this.pool.stats();
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
    return this.pool.workerCount;
  }

  list(): ComponentInfo[] {
    return [...this.components.values()].map((c) => this.describe(c));
  }

  /** The component's canary with its figures so far, or null when it runs none. */
  canary(componentId: string): CanaryStatus | null {
    return this.components.get(componentId)?.canary?.status() ?? null;
  }

  get(componentId: string): ComponentInfo | null {
    const component = this.components.get(componentId);
    return component ? this.describe(component) : null;
  }

  private describe(c: Component): ComponentInfo {
    return describe(c, this.pool.instantiations.get(c.version.spec.key) ?? 0);
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
