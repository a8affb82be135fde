/**
 * Keeps the bucket and container handles components open, one per (component, link name,
 * interface, identifier) on this host, so that a component opening its bucket on every request
 * (every keyvalue component does: a fresh instance per request has nothing open) pays the open
 * once, not once per request: with the provider on another host that halves the NATS round
 * trips of a read or an increment.
 *
 * The guest sees no difference: `open` answers the same resource it would have got, its drop is
 * absorbed (the handle stays open for the next invocation), and a handle the provider no longer
 * knows (it restarted, or evicted it) is opened again and the call retried once. Entries go when
 * the component stops, when links change, and past `MAX_PER_COMPONENT` (least recently used
 * first, its drop then forwarded so the provider releases it).
 */
import { interfaceKey, parseInterfaceName, WitError } from '../../protocol/mod.js';
import { isResourceRef, type ResourceRef } from '../../runtime/mod.js';
import { HANDLE_OPENERS } from '../../runtime/handle-openers.js';
import { unknownHandleMessage } from '../../providers/shared/handle-table.js';

/** Identifiers a component keeps open on this host; more are evicted, least recently used first. */
const MAX_PER_COMPONENT = 64;

/** Sends a call to its target (the transport behind the cache). */
export type Send = (iface: string, fn: string, args: unknown[]) => Promise<unknown>;
/** Sends a call as `componentId` from outside a call (releasing handles). */
export type Release = (componentId: string, iface: string, fn: string, args: unknown[], linkName: string) => Promise<unknown>;

interface Entry {
  key: string;
  ref: Promise<ResourceRef>;
  /** Set once `ref` resolved: what the guest's calls carry. */
  resolved: ResourceRef | null;
  iface: string;
  linkName: string;
}

function refKey(ref: ResourceRef): string {
  return `${ref.$resource}#${ref.id}`;
}

function isUnknownHandle(error: unknown, resource: string): boolean {
  if (!(error instanceof WitError)) return false;
  const payload = error.payload as { tag?: unknown; val?: unknown } | null;
  return payload?.tag === 'other' && typeof payload.val === 'string' && payload.val.startsWith(unknownHandleMessage(resource));
}

export class HandleCache {
  /** Per component: entries by key, in recency order. */
  private readonly components = new Map<string, Map<string, Entry>>();
  /** Per component: entries by the handle they hold (`bucket#3`). */
  private readonly byRef = new Map<string, Map<string, Entry>>();

  /**
   * Told whenever a handle is let go: copies kept elsewhere (the runtime's workers keep the
   * answers to opens) must go too.
   */
  onEvict: (() => void) | null = null;

  /** @param release sends the drop of a handle the cache lets go of (as a component import). */
  constructor(private readonly release: Release) {}

  /** Serves `fn` of `iface` for `componentId` (a component import), through the cache where it applies. */
  async call(componentId: string, iface: string, fn: string, args: unknown[], linkName: string, send: Send): Promise<unknown> {
    const unversioned = interfaceKey(parseInterfaceName(iface));
    const opener = HANDLE_OPENERS[unversioned];
    if (opener?.fn === fn && typeof args[0] === 'string') return { ...(await this.open(componentId, iface, unversioned, args[0], linkName, send)) };
    const held = this.find(componentId, args[0]);
    if (!held) return send(iface, fn, args);
    if (fn.startsWith('[resource-drop]')) return undefined; // stays open for the next invocation
    try {
      return await send(iface, fn, args);
    } catch (error) {
      if (!isUnknownHandle(error, held.resolved!.$resource)) throw error;
      // The provider lost the handle (restarted, evicted it): open again, retry once.
      this.evict(componentId, held, false);
      const identifier = held.key.slice(held.key.lastIndexOf('\0') + 1);
      const fresh = await this.open(componentId, held.iface, interfaceKey(parseInterfaceName(held.iface)), identifier, held.linkName, send);
      return send(iface, fn, [fresh, ...args.slice(1)]);
    }
  }

  private async open(componentId: string, iface: string, unversioned: string, identifier: string, linkName: string, send: Send): Promise<ResourceRef> {
    let entries = this.components.get(componentId);
    if (!entries) this.components.set(componentId, (entries = new Map()));
    const key = `${linkName}\0${unversioned}\0${identifier}`;
    const existing = entries.get(key);
    if (existing) {
      entries.delete(key);
      entries.set(key, existing);
      return existing.ref;
    }
    const entry: Entry = { key, iface, linkName, resolved: null, ref: null as unknown as Promise<ResourceRef> };
    entry.ref = (async () => {
      const ref = await send(iface, HANDLE_OPENERS[unversioned]!.fn, [identifier]);
      if (!isResourceRef(ref)) throw new TypeError(`${iface} ${HANDLE_OPENERS[unversioned]!.fn} answered no resource`);
      entry.resolved = ref;
      if (entries.get(key) === entry) {
        let refs = this.byRef.get(componentId);
        if (!refs) this.byRef.set(componentId, (refs = new Map()));
        refs.set(refKey(ref), entry);
      }
      return ref;
    })();
    entries.set(key, entry);
    // A failed open (no such store) is not kept: the next one asks the provider again.
    entry.ref.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    for (const [, oldest] of entries) {
      if (entries.size <= MAX_PER_COMPONENT) break;
      this.evict(componentId, oldest, true);
    }
    return entry.ref;
  }

  private find(componentId: string, arg: unknown): Entry | null {
    if (!isResourceRef(arg)) return null;
    return this.byRef.get(componentId)?.get(refKey(arg)) ?? null;
  }

  private evict(componentId: string, entry: Entry, release: boolean): void {
    this.onEvict?.();
    this.components.get(componentId)?.delete(entry.key);
    if (entry.resolved) this.byRef.get(componentId)?.delete(refKey(entry.resolved));
    if (release && entry.resolved) {
      const ref = entry.resolved;
      this.release(componentId, entry.iface, `[resource-drop]${ref.$resource}`, [ref], entry.linkName).catch(() => undefined);
    }
  }

  /** Releases every handle `componentId` holds on this host (it stopped). */
  forget(componentId: string): void {
    const entries = this.components.get(componentId);
    if (!entries) return;
    for (const entry of [...entries.values()]) this.evict(componentId, entry, true);
    this.components.delete(componentId);
    this.byRef.delete(componentId);
  }

  /** Releases every handle (links changed: a handle may now belong to another provider). */
  clear(): void {
    for (const componentId of [...this.components.keys()]) this.forget(componentId);
  }
}
