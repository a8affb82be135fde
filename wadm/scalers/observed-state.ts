import { linkKey, type ConfigValues, type DecodedEvent, type Link } from '../../protocol/mod.js';
import type { LatticeState, ObservedHost } from './types.js';

/** A host is gone after this many missed heartbeats (3 x the host's promised interval). */
export const MISSED_HEARTBEATS = 3;

export interface HostRecord extends ObservedHost {
  /** ms timestamp of the last heartbeat or inventory. */
  lastSeen: number;
  intervalMs: number;
  /** Inventory revision we hold; a heartbeat with a higher one means our copy is stale. */
  revision: number;
}

/** The reconciler's mutable picture of the lattice, fed by events; `snapshot` gives the scalers' input. */
export interface ObservedLattice {
  hosts: Map<string, HostRecord>;
  links: Map<string, Link>;
  configs: Map<string, ConfigValues>;
}

/** What the caller must fetch because an event only announced a change. */
export interface Followups {
  /** Host ids whose inventory is unknown or stale: ask `getInventory`. */
  inventory: string[];
  /** Config names set by someone: read their values with `getConfig`. */
  config: string[];
}

export function emptyObserved(): ObservedLattice {
  return { hosts: new Map(), links: new Map(), configs: new Map() };
}

const DEFAULT_INTERVAL_MS = 1_000;

/**
 * Applies one lattice event. Inventory events replace a host's entry; heartbeats keep it alive
 * (and ask for an inventory when the revision moved); scale/provider events patch the entry at
 * once so the next plan does not repeat a command already done; host_stopped removes the host.
 */
export function applyEvent(obs: ObservedLattice, event: DecodedEvent, now: number): Followups {
  const follow: Followups = { inventory: [], config: [] };
  switch (event.type) {
    case 'host_heartbeat': {
      const d = event.data;
      const known = obs.hosts.get(d.id);
      if (!known) {
        obs.hosts.set(d.id, {
          id: d.id,
          labels: d.labels,
          components: [],
          providers: [],
          lastSeen: now,
          intervalMs: d.interval_ms,
          revision: -1,
          ...(d.capacity ? { capacity: d.capacity } : {}),
        });
        follow.inventory.push(d.id);
      } else {
        known.lastSeen = now;
        known.intervalMs = d.interval_ms;
        known.labels = d.labels;
        if (d.capacity) known.capacity = d.capacity;
        if (d.revision > known.revision) follow.inventory.push(d.id);
      }
      break;
    }
    case 'host_inventory': {
      const d = event.data;
      const prior = obs.hosts.get(d.id);
      if (prior && d.revision < prior.revision) break; // late, older copy
      obs.hosts.set(d.id, {
        id: d.id,
        labels: d.labels,
        components: d.components.map(({ id, image_ref, max_instances, annotations, canary }) => ({
          id,
          image_ref,
          max_instances,
          annotations,
          ...(canary ? { canary: { image_ref: canary.image_ref, weight: canary.weight } } : {}),
        })),
        providers: d.providers.map(({ id, image_ref, annotations }) => ({ id, image_ref, annotations })),
        lastSeen: now,
        intervalMs: prior?.intervalMs ?? DEFAULT_INTERVAL_MS,
        revision: d.revision,
        // Capacity comes with heartbeats only.
        ...(prior?.capacity ? { capacity: prior.capacity } : {}),
      });
      break;
    }
    case 'host_started':
      follow.inventory.push(event.data.host_id);
      break;
    case 'host_stopped':
      obs.hosts.delete(event.data.host_id);
      break;
    case 'labels_changed': {
      const h = obs.hosts.get(event.data.host_id);
      if (h) h.labels = event.data.labels;
      break;
    }
    case 'component_scaled': {
      const d = event.data;
      const h = obs.hosts.get(d.host_id);
      if (!h) break;
      h.components = h.components.filter((c) => c.id !== d.component_id);
      if (d.max_instances > 0) {
        h.components.push({
          id: d.component_id,
          image_ref: d.image_ref,
          max_instances: d.max_instances,
          annotations: d.annotations,
          ...(d.canary ? { canary: d.canary } : {}),
        });
      }
      break;
    }
    case 'provider_started': {
      const d = event.data;
      const h = obs.hosts.get(d.host_id);
      if (h && !h.providers.some((p) => p.id === d.provider_id)) {
        h.providers.push({ id: d.provider_id, image_ref: d.image_ref, annotations: d.annotations });
      }
      break;
    }
    case 'provider_stopped': {
      const h = obs.hosts.get(event.data.host_id);
      if (h) h.providers = h.providers.filter((p) => p.id !== event.data.provider_id);
      break;
    }
    case 'linkdef_set':
      obs.links.set(linkKey(event.data), event.data);
      break;
    case 'linkdef_deleted':
      obs.links.delete(linkKey(event.data));
      break;
    case 'config_set':
      follow.config.push(event.data.config_name);
      break;
    case 'config_deleted':
      obs.configs.delete(event.data.config_name);
      break;
    default:
      break;
  }
  return follow;
}

/**
 * The observer could not see the lattice (its own connection was down): the silence it heard
 * says nothing about the hosts, so each starts a full window of MISSED_HEARTBEATS again from now.
 */
export function forgiveSilence(obs: ObservedLattice, now: number): void {
  for (const h of obs.hosts.values()) h.lastSeen = Math.max(h.lastSeen, now);
}

/** The longest heartbeat interval of the hosts known (the default when none is). */
export function heartbeatWindow(obs: ObservedLattice): number {
  let window = DEFAULT_INTERVAL_MS;
  for (const h of obs.hosts.values()) window = Math.max(window, h.intervalMs);
  return window;
}

/** Drops hosts silent for MISSED_HEARTBEATS intervals; returns their ids (their share is re-placed). */
export function expireHosts(obs: ObservedLattice, now: number): string[] {
  const gone: string[] = [];
  for (const [id, h] of obs.hosts) {
    if (now - h.lastSeen > MISSED_HEARTBEATS * h.intervalMs) {
      obs.hosts.delete(id);
      gone.push(id);
    }
  }
  return gone;
}

/** The scalers' input. Hosts whose inventory is not known yet are left out (nothing to plan on). */
export function snapshot(obs: ObservedLattice): LatticeState {
  return {
    hosts: [...obs.hosts.values()]
      .filter((h) => h.revision >= 0)
      .map(({ id, labels, components, providers, capacity }) => ({
        id,
        labels,
        components: [...components],
        providers: [...providers],
        ...(capacity ? { capacity } : {}),
      })),
    links: [...obs.links.values()],
    configs: Object.fromEntries(obs.configs),
  };
}
