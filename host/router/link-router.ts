import type { NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import {
  DEFAULT_INVOCATION_DEADLINE_MS,
  fromOutcome,
  interfaceKey,
  invoke,
  parseInterfaceName,
  DeadlineExceededError,
  LatticeUnavailableError,
  TargetGoneError,
  TargetNotRunningError,
  WitError,
  describePayload,
  type InterfaceRef,
  type Link,
} from '../../protocol/mod.js';
import { Attr, SpanKind, startSpan, tracing } from '../../lib/telemetry/mod.js';
import type { LinkView } from '../../store/link-store.js';
import type { HostMetrics } from '../metrics/mod.js';
import type { LocalTargets } from './local-targets.js';
import { unavailable } from './no-link.js';
import { HandleCache } from './handle-cache.js';

/** One call as a spy sees it begin; it reports how the call ended. */
export interface CallStart {
  source: string;
  target: string;
  link: Link;
  iface: string;
  fn: string;
  args: unknown[];
}

export interface ObservedCall {
  ok(value: unknown): void;
  failed(error: unknown): void;
}

/** Something watching calls (the spy recorder); consulted only while `active`. */
export interface CallObserver {
  readonly active: boolean;
  /** undefined when this call is not one the observer watches. */
  begin(call: CallStart): ObservedCall | undefined;
}

export interface RouteOptions {
  linkName?: string;
  /** Absolute epoch ms; default now + DEFAULT_INVOCATION_DEADLINE_MS. */
  deadline?: number;
  traceparent?: string;
}

/**
 * Resolves an import of a source (component or provider) through the link table and calls the
 * target: in-process when the target runs in this host, over NATS otherwise. The same link works
 * unchanged when the target moves between hosts; link changes apply to the next call, since the
 * view is fed by a KV watch.
 */
export class LinkRouter {
  /** Links by source id, rebuilt when the view changes: resolution is on every host call's path. */
  private bySource: Map<string, Link[]> | null = null;
  /**
   * Watches calls while someone spies on them (host/spy/): null, or inactive, the rest of the
   * time, and then the request path pays one property read for it.
   */
  observer: CallObserver | null = null;
  /** Per-link counters and latencies (host/metrics/), when the host serves metrics. */
  metrics: HostMetrics | null = null;
  /**
   * Bucket and container handles components keep open across invocations. Between the spy and
   * the transport: a spy sees every call the guest makes, also those answered from here.
   */
  readonly handles = new HandleCache((componentId, iface, fn, args, linkName) => this.call(componentId, iface, fn, args, { linkName }));

  constructor(
    private readonly nc: NatsConnection,
    private readonly lattice: string,
    private readonly links: LinkView,
    private readonly local: LocalTargets,
    private readonly log: Logger,
    private readonly hostId = '',
  ) {
    links.onChange(() => {
      this.bySource = null;
      // A handle may now belong to another target: every one is opened again when next used.
      this.handles.clear();
    });
  }

  private linksFrom(sourceId: string): Link[] {
    if (!this.bySource) {
      this.bySource = new Map();
      for (const link of this.links.values()) {
        const list = this.bySource.get(link.source_id);
        if (list) list.push(link);
        else this.bySource.set(link.source_id, [link]);
      }
    }
    return this.bySource.get(sourceId) ?? [];
  }

  /**
   * The link that serves `iface` for `sourceId` under `linkName`, or null. Throws when several
   * links (to different targets) claim it: a component import must have exactly one target.
   */
  resolve(sourceId: string, ref: InterfaceRef, linkName = 'default'): Link | null {
    const links = this.linksFrom(sourceId).filter(
      (l) => l.wit_namespace === ref.namespace && l.wit_package === ref.package && l.name === linkName && linksInterface(l, ref.interface),
    );
    if (links.length > 1) {
      throw unavailable(
        ref,
        `ambiguous link for ${sourceId} -> ${interfaceKey(ref)} (link name "${linkName}"): targets ` +
          `${links.map((l) => l.target).join(', ')}; delete all but one (lattice link del --target) or give them names`,
      );
    }
    return links[0] ?? null;
  }

  /**
   * Calls `fn` of `iface` as `sourceId`. Resolves with the function's value; throws WitError with
   * the interface's own error when the call cannot be served or the target answered an error.
   */
  async call(sourceId: string, iface: string, fn: string, args: unknown[], opts: RouteOptions = {}): Promise<unknown> {
    const ref = parseInterfaceName(iface);
    const linkName = opts.linkName ?? 'default';
    const link = this.resolve(sourceId, ref, linkName);
    if (!link) {
      throw unavailable(ref, `no link for ${sourceId} -> ${interfaceKey(ref)} (link name "${linkName}")`);
    }
    const deadline = opts.deadline ?? Date.now() + DEFAULT_INVOCATION_DEADLINE_MS;
    return this.dispatch(sourceId, link, ref, iface, fn, args, linkName, deadline, opts.traceparent, true);
  }

  /**
   * Calls the target of one given link (a provider that is the source of several links, like the
   * http-server in front of many components, picks the link itself). Transport failures stay
   * typed errors here (TargetNotRunningError, TargetGoneError, LatticeUnavailableError,
   * DeadlineExceededError): a provider maps them to its own protocol, e.g. 503 and 504, and
   * decides whether a call may be tried again.
   */
  async callTarget(sourceId: string, link: Link, iface: string, fn: string, args: unknown[], deadlineMs?: number, traceparent?: string): Promise<unknown> {
    const deadline = Date.now() + (deadlineMs ?? DEFAULT_INVOCATION_DEADLINE_MS);
    return this.dispatch(sourceId, link, parseInterfaceName(iface), iface, fn, args, link.name, deadline, traceparent, false);
  }

  private dispatch(
    sourceId: string,
    link: Link,
    ref: InterfaceRef,
    iface: string,
    fn: string,
    args: unknown[],
    linkName: string,
    deadline: number,
    traceparent: string | undefined,
    asWitError: boolean,
  ): Promise<unknown> {
    if (!tracing.on && this.metrics === null && !this.observer?.active)
      return this.send(sourceId, link, ref, iface, fn, args, linkName, deadline, traceparent, asWitError);
    return this.observed(sourceId, link, ref, iface, fn, args, linkName, deadline, traceparent, asWitError);
  }

  /** A call with its client span (when tracing) and its spy record (when spied on). */
  private async observed(
    sourceId: string,
    link: Link,
    ref: InterfaceRef,
    iface: string,
    fn: string,
    args: unknown[],
    linkName: string,
    deadline: number,
    traceparent: string | undefined,
    asWitError: boolean,
  ): Promise<unknown> {
    const span = tracing.on
      ? startSpan(`${interfaceKey(ref)}/${fn}`, SpanKind.client, traceparent, {
          [Attr.lattice]: this.lattice,
          [Attr.host]: this.hostId,
          [Attr.source]: sourceId,
          [Attr.target]: link.target,
          [Attr.link]: linkName,
          [Attr.interface]: iface,
          [Attr.function]: fn,
          [Attr.rpcSystem]: 'wrpc',
          [Attr.rpcService]: interfaceKey(ref),
          [Attr.rpcMethod]: fn,
          'lattice.call.local': this.local.has(link.target),
        })
      : undefined;
    const spied = this.observer?.active ? this.observer.begin({ source: sourceId, target: link.target, link, iface, fn, args }) : undefined;
    const series = this.metrics?.link(link);
    const started = series ? performance.now() : 0;
    try {
      const value = await this.send(sourceId, link, ref, iface, fn, args, linkName, deadline, span?.traceparent ?? traceparent, asWitError);
      span?.end();
      spied?.ok(value);
      return value;
    } catch (error) {
      span?.end(error instanceof WitError ? `WIT error: ${describePayload(error.payload)}` : error);
      spied?.failed(error);
      series?.errors.inc();
      throw error;
    } finally {
      if (series) {
        series.calls.inc();
        series.duration.observe((performance.now() - started) / 1000);
      }
    }
  }

  /** Component imports go through the handle cache; provider calls straight to the target. */
  private send(
    sourceId: string,
    link: Link,
    ref: InterfaceRef,
    iface: string,
    fn: string,
    args: unknown[],
    linkName: string,
    deadline: number,
    traceparent: string | undefined,
    asWitError: boolean,
  ): Promise<unknown> {
    if (!asWitError) return this.transport(sourceId, link, ref, iface, fn, args, linkName, deadline, traceparent, asWitError);
    return this.handles.call(sourceId, iface, fn, args, linkName, (i, f, a) =>
      this.transport(sourceId, link, i === iface ? ref : parseInterfaceName(i), i, f, a, linkName, deadline, traceparent, asWitError),
    );
  }

  private async transport(
    sourceId: string,
    link: Link,
    ref: InterfaceRef,
    iface: string,
    fn: string,
    args: unknown[],
    linkName: string,
    deadline: number,
    traceparent: string | undefined,
    /** Turn "target unavailable" into the interface's own error (for component imports). */
    asWitError: boolean,
  ): Promise<unknown> {
    if (this.local.has(link.target)) {
      return fromOutcome(
        await this.local.call({ target: link.target, interface: iface, function: fn, args, source: sourceId, linkName, deadline, traceparent }),
      );
    }
    let outcome: unknown;
    try {
      outcome = await invoke(this.nc, this.lattice, {
        target: link.target,
        interface: iface,
        function: fn,
        args,
        source: sourceId,
        linkName,
        deadlineMs: Math.max(1, deadline - Date.now()),
        traceparent,
      });
    } catch (error) {
      if (
        asWitError &&
        (error instanceof TargetNotRunningError ||
          error instanceof TargetGoneError ||
          error instanceof LatticeUnavailableError ||
          error instanceof DeadlineExceededError)
      ) {
        this.log.debug({ source: sourceId, target: link.target, iface, fn, err: error }, 'link target unavailable');
        throw unavailable(ref, error.message);
      }
      throw error;
    }
    return fromOutcome(outcome);
  }
}

/**
 * A link to `wasi:http` naming `handler` (the WASI 0.3 name of the interface a WASIp3 component
 * exports) serves the http-server's `incoming-handler` calls as well: a manifest may name either.
 */
function linksInterface(link: Link, iface: string): boolean {
  return (
    link.interfaces.includes(iface) ||
    (iface === 'incoming-handler' && link.wit_namespace === 'wasi' && link.wit_package === 'http' && link.interfaces.includes('handler'))
  );
}
