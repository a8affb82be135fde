/**
 * How components come, change and go on one runtime: scale (start, rescale, replace, stop),
 * update in place, and canaries (start, reweigh, promote, drop). Requests for one component are
 * applied one after the other, so concurrent scales end in the order they were asked for.
 */
import type { Logger } from '../lib/logger.js';
import { Canary } from './canary.js';
import type { Component, ComponentInfo, ComponentTable, ScaleRequest } from './components.js';
import { ComponentNotFoundError, IncompatibleUpgradeError, InvalidSettingError, RuntimeStoppedError } from './errors.js';
import type { ImageCompiler } from './loader.js';
import { restartService } from './services.js';
import { limitsFrom, type ComponentLimits } from './settings.js';
import { loadVersion, retireVersion, type Version } from './versions.js';
import type { WorkerPool } from './worker-pool.js';

export interface LifecycleOptions {
  compiler: ImageCompiler;
  pool: WorkerPool;
  components: ComponentTable;
  logger: Logger;
  /** Limits for components whose annotations do not set them. */
  defaults: ComponentLimits;
  /** Whether the runtime was stopped: nothing may be scaled after. */
  stopped: () => boolean;
  onServiceExit: ((componentId: string, error: string | null) => void) | undefined;
}

export class ComponentLifecycle {
  /** Serialises scale/update per component so concurrent requests apply in order. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly compiler: ImageCompiler;
  private readonly pool: WorkerPool;
  private readonly components: ComponentTable;
  private readonly logger: Logger;

  constructor(private readonly options: LifecycleOptions) {
    this.compiler = options.compiler;
    this.pool = options.pool;
    this.components = options.components;
    this.logger = options.logger;
  }

  /** See ComponentRuntime.scale. */
  scale(request: ScaleRequest): Promise<ComponentInfo | null> {
    return this.serialised(request.componentId, () => this.applyScale(request));
  }

  /** See ComponentRuntime.update. */
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
    if (this.options.stopped()) throw new RuntimeStoppedError();
    if (!Number.isInteger(request.count) || request.count < 0) {
      throw new InvalidSettingError(`count must be a non-negative integer, got ${request.count}`);
    }
    const existing = this.components.get(request.componentId);
    if (request.count === 0) {
      if (existing) await this.remove(existing);
      return null;
    }
    const limits = limitsFrom(request.annotations ?? {}, this.options.defaults);
    if (existing?.canary && !request.canary) {
      const promoted = endCanary(existing, request, limits, (v) => this.retire(v));
      this.publishTarget(existing);
      if (promoted) {
        existing.admission.resize(request.count, limits.queueLimit);
        this.logger.info({ component_id: existing.id, image_ref: request.imageRef }, 'canary promoted');
        return this.components.describe(existing);
      }
    }
    const component = await this.scaleVersion(request, limits, existing, reload);
    if (request.canary) await this.startCanary(component, request, limits);
    return this.components.describe(component);
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
    const version = await loadVersion(this.compiler, this.pool.workers, this.logger, { ...request, imageRef: wanted.imageRef }, limits, component.revision);
    const refusal = request.verifyUpgrade?.(version.image.transpiled.exports) ?? null;
    if (refusal) {
      this.pool.workers.unload(version.spec.key);
      throw new IncompatibleUpgradeError(request.componentId, refusal.missing, refusal.detail);
    }
    component.canary = new Canary(version, wanted.weight);
    if (current) this.retire(current.version);
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
    const version = await loadVersion(this.compiler, this.pool.workers, this.logger, request, limits, revision);
    const refusal = existing ? (request.verifyUpgrade?.(version.image.transpiled.exports) ?? null) : null;
    if (refusal) {
      this.pool.workers.unload(version.spec.key);
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
      this.retire(old);
      if (existing.service) await restartService(existing, this.pool, this.logger, this.options.onServiceExit);
      existing.admission.resize(request.count, limits.queueLimit);
      this.publishTarget(existing);
      this.logger.info({ component_id: request.componentId, image_ref: request.imageRef }, 'component updated');
      return existing;
    }
    const component = this.components.admit(request, version, annotations, limits, revision);
    this.publishTarget(component);
    if (component.kind === 'service') await restartService(component, this.pool, this.logger, this.options.onServiceExit);
    this.logger.info({ component_id: component.id, image_ref: request.imageRef, max_instances: request.count }, 'component scaled');
    return component;
  }

  private retire(version: Version): void {
    retireVersion(version, (key) => this.pool.workers.unload(key));
  }

  private async remove(component: Component): Promise<void> {
    component.admission.rejectAll(new ComponentNotFoundError(component.id));
    this.pool.ingress.setTarget(component.id, null);
    this.components.dismiss(component);
    await component.service?.stop();
    component.service = undefined;
    this.retire(component.version);
    if (component.canary) this.retire(component.canary.version);
    component.canary = undefined;
    this.logger.info({ component_id: component.id }, 'component stopped');
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
}

/**
 * Ends a component's canary for a scale request without one. A request for the canary's own image
 * (limits unchanged) promotes it: the loaded canary becomes the component's version, nothing is
 * loaded again, and the replaced version finishes its invocations (true). Any other request drops
 * the canary, which then finishes its invocations, and scales the component as usual (false).
 */
function endCanary(component: Component, request: ScaleRequest, limits: ComponentLimits, retire: (version: Version) => void): boolean {
  const canary = component.canary;
  if (!canary) return false;
  component.canary = undefined;
  if (canary.version.image.imageRef !== request.imageRef || JSON.stringify(component.limits) !== JSON.stringify(limits)) {
    retire(canary.version);
    return false;
  }
  const replaced = component.version;
  component.version = canary.version;
  component.annotations = request.annotations ?? {};
  component.maxInstances = request.count;
  component.request = request;
  component.revision++;
  retire(replaced);
  return true;
}
