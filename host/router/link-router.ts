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
  type InterfaceRef,
  type Link,
} from '../../protocol/mod.js';
import type { LinkView } from '../stores/link-store.js';
import type { LocalTargets } from './local-targets.js';
import { unavailable } from './no-link.js';

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

  constructor(
    private readonly nc: NatsConnection,
    private readonly lattice: string,
    private readonly links: LinkView,
    private readonly local: LocalTargets,
    private readonly log: Logger,
  ) {
    links.onChange(() => {
      this.bySource = null;
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
      (l) =>
        l.wit_namespace === ref.namespace &&
        l.wit_package === ref.package &&
        l.name === linkName &&
        l.interfaces.includes(ref.interface),
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
  async callTarget(sourceId: string, link: Link, iface: string, fn: string, args: unknown[], deadlineMs?: number): Promise<unknown> {
    const deadline = Date.now() + (deadlineMs ?? DEFAULT_INVOCATION_DEADLINE_MS);
    return this.dispatch(sourceId, link, parseInterfaceName(iface), iface, fn, args, link.name, deadline, undefined, false);
  }

  private async dispatch(
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
