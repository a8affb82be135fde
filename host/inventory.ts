import type { ComponentDescription, InventoryCounts, ProviderDescription } from '../protocol/mod.js';

export type InventoryListener = (revision: number) => void;

/**
 * What runs on this host: component and provider descriptions, keyed by id, with a revision that
 * increases on every change. Heartbeats carry only the revision and counts; observers fetch or
 * receive the full inventory (`host_inventory`) when the revision moves.
 *
 * The runtime and the provider supervisor own the entries they add; the host only publishes.
 */
export class Inventory {
  private readonly componentMap = new Map<string, ComponentDescription>();
  private readonly providerMap = new Map<string, ProviderDescription>();
  private rev = 0;
  private readonly listeners = new Set<InventoryListener>();
  private readonly overlays: Array<(component: ComponentDescription) => void> = [];

  /**
   * Fills in fields that change with every invocation (a canary's figures) on the copies that
   * `components()` hands out: they are read live and never bump the revision.
   */
  overlay(fill: (component: ComponentDescription) => void): void {
    this.overlays.push(fill);
  }

  get revision(): number {
    return this.rev;
  }

  /** Adds or replaces a component description. No revision bump when nothing changed. */
  upsertComponent(description: ComponentDescription): void {
    if (sameValue(this.componentMap.get(description.id), description)) return;
    this.componentMap.set(description.id, structuredClone(description));
    this.bump();
  }

  removeComponent(id: string): boolean {
    if (!this.componentMap.delete(id)) return false;
    this.bump();
    return true;
  }

  upsertProvider(description: ProviderDescription): void {
    if (sameValue(this.providerMap.get(description.id), description)) return;
    this.providerMap.set(description.id, structuredClone(description));
    this.bump();
  }

  removeProvider(id: string): boolean {
    if (!this.providerMap.delete(id)) return false;
    this.bump();
    return true;
  }

  getComponent(id: string): ComponentDescription | null {
    const found = this.componentMap.get(id);
    return found ? structuredClone(found) : null;
  }

  getProvider(id: string): ProviderDescription | null {
    const found = this.providerMap.get(id);
    return found ? structuredClone(found) : null;
  }

  /** Copies, ordered by id so inventories compare and print stably. */
  components(): ComponentDescription[] {
    const copies = [...this.componentMap.values()].sort(byId).map((c) => structuredClone(c));
    for (const fill of this.overlays) for (const c of copies) fill(c);
    return copies;
  }

  providers(): ProviderDescription[] {
    return [...this.providerMap.values()].sort(byId).map((p) => structuredClone(p));
  }

  counts(): InventoryCounts {
    let instances = 0;
    for (const c of this.componentMap.values()) instances += c.max_instances;
    return { components: this.componentMap.size, providers: this.providerMap.size, instances };
  }

  /**
   * Bumps the revision without an entry change: for changes of what the inventory reports
   * besides its entries (labels), so observers holding an older copy refresh it.
   */
  touch(): void {
    this.bump();
  }

  onChange(listener: InventoryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private bump(): void {
    this.rev++;
    for (const listener of this.listeners) listener(this.rev);
  }
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
