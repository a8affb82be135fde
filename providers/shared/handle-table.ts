/**
 * Handles of provider resources (a keyvalue bucket, a blobstore container) given to components
 * as `{ $resource, id }`. Each entry belongs to the component that created it: another component
 * presenting the same id gets nothing. Components get a fresh instance per invocation and often
 * never drop what they opened, so each owner keeps at most `maxPerOwner` entries; past that the
 * least recently used is evicted (its next use is the interface's error, not a crash).
 */

export interface ResourceHandle {
  $resource: string;
  id: number;
}

export interface HandleTableOptions<T> {
  /** WIT resource name in kebab case, as the guest's glue expects it (`bucket`, `incoming-value`). */
  resource: string;
  /** Live entries per owner before the least recently used is evicted. */
  maxPerOwner?: number;
  /** Called when an entry leaves the table (drop, eviction, owner cleared), to release what it holds. */
  release?: (value: T) => void;
}

/**
 * Big enough for any real invocation (a handler opening a few buckets per request, with several
 * requests in flight per component), small enough that a component that never drops cannot grow
 * the provider's memory without bound.
 */
export const DEFAULT_MAX_HANDLES_PER_OWNER = 256;

/**
 * The error text of a handle a provider does not know (dropped, evicted, or from before a
 * restart). Hosts that cache handles (host/router/handle-cache.ts) recognise it and open again.
 */
export function unknownHandleMessage(resource: string): string {
  return `unknown ${resource} handle`;
}

export class HandleTable<T> {
  readonly resource: string;
  private readonly maxPerOwner: number;
  private readonly release: ((value: T) => void) | undefined;
  /** Per owner, insertion order is recency order (a get moves the entry to the end). */
  private readonly owners = new Map<string, Map<number, T>>();
  private nextId = 1;

  constructor(options: HandleTableOptions<T>) {
    this.resource = options.resource;
    this.maxPerOwner = options.maxPerOwner ?? DEFAULT_MAX_HANDLES_PER_OWNER;
    this.release = options.release;
  }

  /** Stores `value` for `owner` and returns the handle to give the guest. */
  add(owner: string, value: T): ResourceHandle {
    let entries = this.owners.get(owner);
    if (!entries) {
      entries = new Map();
      this.owners.set(owner, entries);
    }
    const id = this.nextId++;
    entries.set(id, value);
    while (entries.size > this.maxPerOwner) {
      const oldest = entries.keys().next().value as number;
      const evicted = entries.get(oldest) as T;
      entries.delete(oldest);
      this.release?.(evicted);
    }
    return { $resource: this.resource, id };
  }

  /** The value behind a handle the guest passed back; null if unknown, evicted or not `owner`'s. */
  get(owner: string, handle: unknown): T | null {
    const id = handleId(handle, this.resource);
    const entries = this.owners.get(owner);
    if (id === null || !entries || !entries.has(id)) return null;
    const value = entries.get(id) as T;
    entries.delete(id);
    entries.set(id, value);
    return value;
  }

  /**
   * Removes and returns the value without releasing it: for functions that consume an owned
   * handle and hand what it holds on (`incoming-value-consume-async` moves its reader to a stream).
   */
  take(owner: string, handle: unknown): T | null {
    const value = this.get(owner, handle);
    if (value === null) return null;
    const entries = this.owners.get(owner)!;
    entries.delete(handleId(handle, this.resource)!);
    if (entries.size === 0) this.owners.delete(owner);
    return value;
  }

  /** `[resource-drop]`: forgets the handle (unknown handles are ignored, as drops cannot fail). */
  drop(owner: string, handle: unknown): void {
    const id = handleId(handle, this.resource);
    const entries = this.owners.get(owner);
    if (id === null || !entries) return;
    const value = entries.get(id);
    if (!entries.delete(id)) return;
    if (entries.size === 0) this.owners.delete(owner);
    this.release?.(value as T);
  }

  /** Forgets every handle of every owner. */
  clear(): void {
    for (const entries of this.owners.values()) for (const value of entries.values()) this.release?.(value);
    this.owners.clear();
  }

  /** Live handles of one owner, or of all owners. */
  size(owner?: string): number {
    if (owner !== undefined) return this.owners.get(owner)?.size ?? 0;
    let total = 0;
    for (const entries of this.owners.values()) total += entries.size;
    return total;
  }
}

/** The numeric id of a `{ $resource, id }` of the expected resource kind, else null. */
function handleId(handle: unknown, resource: string): number | null {
  if (typeof handle !== 'object' || handle === null) return null;
  const { $resource, id } = handle as { $resource?: unknown; id?: unknown };
  if ($resource !== resource) return null;
  if (typeof id === 'number' && Number.isInteger(id)) return id;
  // A handle that crossed a process boundary may come back as a bigint or a numeric string.
  if (typeof id === 'bigint') return Number(id);
  if (typeof id === 'string' && /^\d+$/.test(id)) return Number(id);
  return null;
}
