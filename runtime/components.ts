/**
 * The component table of one runtime: each running component with its current version
 * (versions.ts), its settings and its admission (`max_instances`), and what the runtime reports
 * about it.
 */
import type { CanaryStatus } from '../protocol/schemas/canary.js';
import { Admission, AdmissionSlots } from './admission.js';
import type { Canary } from './canary.js';
import type { ServiceState, ServiceWorker } from './services.js';
import type { ComponentLimits } from './settings.js';
import { kindOf, type ComponentKind, type Version } from './versions.js';

export interface ScaleRequest {
  componentId: string;
  imageRef: string;
  /** Max concurrent invocations on this host (wasmCloud max_instances); 0 stops the component. */
  count: number;
  annotations?: Record<string, string>;
  /** Environment variables granted to the guest (none by default). */
  env?: Record<string, string>;
  /** Arguments granted to the guest (none by default). */
  args?: string[];
  /** Directory relative `file://` references resolve against (manifest dir; default cwd). */
  baseDir?: string;
  /**
   * For an upgrade (a running component given another image): looks at the new version's
   * exports once it is loaded, before anything switches; a refusal keeps the old version.
   */
  verifyUpgrade?: (exports: readonly string[]) => { missing: string[]; detail: string } | null;
  /** Keep `imageRef` serving and send `weight` percent of the invocations to `imageRef` here (canary.ts). */
  canary?: { imageRef: string; weight: number };
}

/** What the runtime reports about a running component (inventory fields plus runtime facts). */
export interface ComponentInfo {
  id: string;
  image_ref: string;
  annotations: Record<string, string>;
  max_instances: number;
  revision: number;
  digest: string;
  kind: ComponentKind;
  imports: string[];
  exports: string[];
  limits: ComponentLimits;
  /** False when this load ran jco; true when the transpiled output came from the disk cache. */
  from_cache: boolean;
  /**
   * How an invocation gets its instance: `reset` (fresh-instance semantics by restoring an
   * instance to its post-instantiation state), `instantiate` (fresh semantics by instantiating
   * anew: the component cannot be reset, see `instance_mode_reason`), or `reuse` (opted in).
   */
  instance_mode: 'reset' | 'instantiate' | 'reuse';
  instance_mode_reason?: string;
  /** Instances created for the current version, over every worker (resets not counted). */
  instantiations: number;
  /** Services only: `running` until `run` returns or traps. */
  service_state?: ServiceState;
  /** While a canary runs: its image, share and both versions' figures. */
  canary?: CanaryStatus;
}

export class Component {
  service: ServiceWorker | undefined;
  /** A second version taking a share of the invocations (canary.ts). */
  canary: Canary | undefined;
  serviceState: ServiceState | undefined;
  constructor(
    readonly id: string,
    public version: Version,
    public annotations: Record<string, string>,
    public limits: ComponentLimits,
    public maxInstances: number,
    public revision: number,
    public request: ScaleRequest,
    readonly admission: Admission,
  ) {}

  get kind(): ComponentKind {
    return kindOf(this.version.image.transpiled.exports);
  }
}

/**
 * The running components by id (a Map: the request path looks them up directly), each holding
 * one of the shared memory's admission slots, through which a worker that frees a place reaches
 * its component.
 */
export class ComponentTable extends Map<string, Component> {
  private readonly slots: AdmissionSlots;
  private readonly bySlot = new Map<number, Component>();

  /**
   * @param instantiations instances created per version key, kept by the pool (what `describe`
   *   reports for a component's current version)
   */
  constructor(
    private readonly admissionMemory: Int32Array,
    private readonly instantiations: ReadonlyMap<string, number>,
  ) {
    super();
    this.slots = new AdmissionSlots(admissionMemory);
  }

  /** Enters a new component with its first version. */
  admit(request: ScaleRequest, version: Version, annotations: Record<string, string>, limits: ComponentLimits, revision: number): Component {
    const slot = this.slots.allocate();
    const admission = new Admission(this.admissionMemory, slot, request.componentId, request.count, limits.queueLimit);
    const component = new Component(request.componentId, version, annotations, limits, request.count, revision, request, admission);
    this.set(component.id, component);
    this.bySlot.set(slot, component);
    return component;
  }

  /** Removes a stopped component and frees its admission slot. */
  dismiss(component: Component): void {
    this.delete(component.id);
    this.bySlot.delete(component.admission.slot);
    this.slots.free(component.admission.slot);
  }

  /** A worker freed an instance slot of the component at admission `slot` while others queue. */
  wake(slot: number): void {
    this.bySlot.get(slot)?.admission.wake();
  }

  /** What the runtime reports about the component now. */
  describe(c: Component): ComponentInfo {
    return describe(c, this.instantiations.get(c.version.spec.key) ?? 0);
  }
}

function describe(c: Component, instantiations: number): ComponentInfo {
  const t = c.version.image.transpiled;
  const info: ComponentInfo = {
    id: c.id,
    image_ref: c.version.image.imageRef,
    annotations: c.annotations,
    max_instances: c.maxInstances,
    revision: c.revision,
    digest: t.digest,
    kind: kindOf(t.exports),
    imports: t.imports,
    exports: t.exports,
    limits: c.limits,
    from_cache: t.fromCache,
    instance_mode: c.limits.reuse ? 'reuse' : c.version.image.reset.resettable ? 'reset' : 'instantiate',
    instantiations,
  };
  if (info.instance_mode === 'instantiate') info.instance_mode_reason = c.version.image.reset.reason ?? undefined;
  if (c.serviceState) info.service_state = c.serviceState;
  if (c.canary) info.canary = c.canary.status();
  return info;
}
