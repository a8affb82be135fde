import { Attr, SpanKind, startSpan, tracing } from '../../lib/telemetry/mod.js';
import {
  describePayload,
  fail,
  interfaceKey,
  isLinkValidation,
  WitError,
  type IncomingCall,
  ok,
  refuseLinkValidation,
  type ComponentDescription,
  type ScaleComponentRequest,
} from '../../protocol/mod.js';
import type { HostServices } from '../services.js';
import { LATENCY_BUCKETS } from '../metrics/registry.js';
import type { LocalTargets } from '../router/local-targets.js';
import { ComponentRuntime, type ComponentInfo, type RuntimeOptions, type StreamingHttpRequest } from '../../runtime/mod.js';
import type { BuiltinInterfaces } from './builtin-interfaces.js';
import { missingLinkedExports } from './upgrade-check.js';
import type { ImageGate } from '../admission/gate.js';
import { policyClaims, UntrustedComponentError } from '../admission/trust.js';

function describe(info: ComponentInfo): ComponentDescription {
  return {
    id: info.id,
    image_ref: info.image_ref,
    annotations: info.annotations,
    max_instances: info.max_instances,
    revision: info.revision,
    ...(info.canary ? { canary: info.canary } : {}),
  };
}

/**
 * Wires a ComponentRuntime into a host: `component.scale`, `component.update` and
 * `component.auction` on the control interface, inventory and events, and each running component
 * registered as a local target (in-process calls, and served on the lattice for other hosts).
 */
export class ComponentPlugin {
  private constructor(
    private readonly host: HostServices,
    readonly runtime: ComponentRuntime,
    private readonly targets: LocalTargets,
    private readonly builtins: BuiltinInterfaces,
    private readonly gate?: ImageGate,
    private readonly stopped?: (componentId: string) => void,
  ) {}

  /** `stopped` runs after a component was scaled to zero (its host-side state can go). */
  static attach(
    host: HostServices,
    targets: LocalTargets,
    options: RuntimeOptions,
    builtins: BuiltinInterfaces,
    gate?: ImageGate,
    stopped?: (componentId: string) => void,
  ): ComponentPlugin {
    const runtime = new ComponentRuntime({ logger: host.log.child({ component: 'runtime' }), ...options });
    const plugin = new ComponentPlugin(host, runtime, targets, builtins, gate, stopped);
    const metrics = host.metrics;
    if (metrics) runtime.ingress.reportTo((route, stats) => metrics.addWorkerStats(route, stats), LATENCY_BUCKETS);
    host.inventory.overlay((c) => {
      const canary = runtime.canary(c.id);
      if (canary) c.canary = canary;
    });
    host.control.register('component.scale', (req) => plugin.scale(req));
    host.control.register('component.update', async (req) => {
      const existing = runtime.get(req.component_id);
      const refusal = await plugin.admit(req.component_id, req.new_image_ref, existing?.max_instances ?? 0, req.annotations ?? existing?.annotations ?? {});
      if (refusal) return fail(`update of ${req.component_id} refused: ${refusal}`);
      try {
        const info = await host.work.track(runtime.update(req.component_id, req.new_image_ref, req.annotations, await plugin.upgradeCheck(req.component_id)));
        host.inventory.upsertComponent(describe(info));
        plugin.emitScaled(info);
        return ok();
      } catch (error) {
        return fail(`update of ${req.component_id} failed: ${(error as Error).message}`);
      }
    });
    // Any host whose labels match may bid: loading is checked when the scale request arrives.
    host.control.register('component.auction', () => true);
    host.onStop(async () => {
      for (const info of runtime.list()) await targets.unregister(info.id);
      await runtime.stop();
    });
    return plugin;
  }

  /** The WIT check of an upgrade of `componentId`: against the links to it when the new version is loaded. */
  async upgradeCheck(componentId: string): Promise<(exports: readonly string[]) => { missing: string[]; detail: string } | null> {
    const links = await this.host.links.live();
    return (exports) => missingLinkedExports(links.to(componentId), exports);
  }

  /** Scales a component; the reply carries the precise failure (bad image, missing imports...). */
  async scale(req: ScaleComponentRequest) {
    const existing = this.runtime.get(req.component_id);
    if (existing && req.count > 0 && existing.image_ref !== req.image_ref && !req.allow_update) {
      const message = `component ${req.component_id} already runs ${existing.image_ref}; use update (or allow_update) to change its image`;
      this.emitFailed(req, message);
      return fail(message);
    }
    const newImages =
      req.count > 0
        ? [req.image_ref, ...(req.canary ? [req.canary.image_ref] : [])].filter((i) => i !== existing?.image_ref && i !== existing?.canary?.image_ref)
        : [];
    for (const image of newImages) {
      const refusal = await this.admit(req.component_id, image, req.count, req.annotations);
      if (refusal) {
        const message = `scale of ${req.component_id} refused: ${refusal}`;
        this.emitFailed(req, message);
        return fail(message);
      }
    }
    this.builtins.setComponentConfig(req.component_id, req.count > 0 ? req.config : []);
    const secretProblems = (await this.builtins.secrets?.grant(req.component_id, req.count > 0 ? req.secrets : [])) ?? [];
    if (secretProblems.length > 0) {
      const message = `scale of ${req.component_id} failed: ${secretProblems.join('; ')}`;
      this.emitFailed(req, message);
      return fail(message);
    }
    try {
      const upgrade = existing && req.count > 0 && (existing.image_ref !== req.image_ref || req.canary !== undefined);
      const info = await this.host.work.track(
        this.runtime.scale({
          componentId: req.component_id,
          imageRef: req.image_ref,
          count: req.count,
          annotations: req.annotations,
          env: this.builtins.grantedEnv(req.component_id),
          ...(upgrade ? { verifyUpgrade: await this.upgradeCheck(req.component_id) } : {}),
          ...(req.canary ? { canary: { imageRef: req.canary.image_ref, weight: req.canary.weight } } : {}),
        }),
      );
      if (info === null) {
        await this.targets.unregister(req.component_id);
        this.stopped?.(req.component_id);
        this.host.metrics?.forgetComponent(req.component_id);
        this.host.inventory.removeComponent(req.component_id);
        this.host.events.publish('component_scaled', {
          host_id: this.host.id,
          component_id: req.component_id,
          image_ref: req.image_ref,
          max_instances: 0,
          annotations: req.annotations,
        });
        return ok();
      }
      await this.targets.register(info.id, (call) => {
        if (isLinkValidation(call.ref)) refuseLinkValidation();
        if (!tracing.on && this.host.metrics === null) return this.serve(info.id, call, call.traceparent);
        return this.observed(info.id, call);
      });
      this.host.inventory.upsertComponent(describe(info));
      this.emitScaled(info);
      return ok();
    } catch (error) {
      const message = (error as Error).message;
      this.emitFailed(req, message);
      return fail(`scale of ${req.component_id} failed: ${message}`);
    }
  }

  private serve(componentId: string, call: IncomingCall, traceparent: string | undefined): Promise<unknown> {
    const deadlineMs = Math.max(1, call.deadline - Date.now());
    if (call.ref.namespace !== 'wasi' || call.ref.package !== 'http' || call.ref.interface !== 'incoming-handler') {
      return this.runtime.invoke(componentId, call.interface, call.function, call.args, { deadlineMs, traceparent });
    }
    // The request body may still be arriving (an AsyncIterable, in this process or a byte
    // stream across the lattice) or be whole; the answer streams when the guest streams it.
    return this.runtime.streamHttp(componentId, call.args[0] as StreamingHttpRequest, { deadlineMs, traceparent });
  }

  /** An invocation with its server span (tracing) and its counters (metrics). */
  private async observed(componentId: string, call: IncomingCall): Promise<unknown> {
    const span = tracing.on
      ? startSpan(`${componentId} ${interfaceKey(call.ref)}/${call.function}`, SpanKind.server, call.traceparent, {
          [Attr.lattice]: this.host.lattice,
          [Attr.host]: this.host.id,
          [Attr.component]: componentId,
          [Attr.source]: call.source,
          [Attr.link]: call.linkName,
          [Attr.interface]: call.interface,
          [Attr.function]: call.function,
          [Attr.rpcSystem]: 'wrpc',
          [Attr.rpcService]: interfaceKey(call.ref),
          [Attr.rpcMethod]: call.function,
        })
      : undefined;
    const series = this.host.metrics?.component(componentId);
    const started = series ? performance.now() : 0;
    try {
      const value = await this.serve(componentId, call, span?.traceparent ?? call.traceparent);
      span?.end();
      return value;
    } catch (error) {
      span?.end(error instanceof WitError ? `WIT error: ${describePayload(error.payload)}` : error);
      series?.errors.inc();
      throw error;
    } finally {
      if (series) {
        series.calls.inc();
        series.duration.observe((performance.now() - started) / 1000);
      }
    }
  }

  /**
   * Trust and policy before an image starts (a new component, or a new image for a running one):
   * the reason it may not run, or null. Loading errors are left to the runtime's own report.
   */
  async admit(componentId: string, imageRef: string, maxInstances: number, annotations: Record<string, string>): Promise<string | null> {
    if (!this.gate || (this.gate.trustedIssuers.length === 0 && !this.host.policy.configured)) return null;
    let claims;
    try {
      claims = await this.gate.inspect(imageRef);
    } catch (error) {
      if (!(error instanceof UntrustedComponentError)) return null; // the runtime's load reports it
      this.host.policy.record('startComponent', { id: componentId, imageRef }, { permitted: false, reason: error.reason });
      return error.message;
    }
    const decision = await this.host.policy.evaluate(
      'startComponent',
      { componentId, imageRef, maxInstances, annotations, claims: policyClaims(claims) },
      { id: componentId, imageRef },
    );
    return decision.permitted ? null : `denied by policy: ${decision.reason}`;
  }

  private emitScaled(info: ComponentInfo): void {
    this.host.events.publish('component_scaled', {
      host_id: this.host.id,
      component_id: info.id,
      image_ref: info.image_ref,
      max_instances: info.max_instances,
      annotations: info.annotations,
      ...(info.canary ? { canary: { image_ref: info.canary.image_ref, weight: info.canary.weight } } : {}),
    });
  }

  private emitFailed(req: ScaleComponentRequest, error: string): void {
    this.host.events.publish('component_scale_failed', {
      host_id: this.host.id,
      component_id: req.component_id,
      image_ref: req.image_ref,
      max_instances: req.count,
      annotations: req.annotations,
      error,
    });
  }
}
