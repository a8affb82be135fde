import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from '../../lib/logger.js';
import {
  allEvents,
  createControlClient,
  decodeEvent,
  decodeJson,
  wadm,
  type ComponentDescription,
  type DecodedEvent,
  type Link,
  type ProviderDescription,
} from '../../protocol/mod.js';
import { createWadmClient } from '../../protocol/wadm-client.js';
import { AppStatus } from '../../protocol/schemas/wadm.js';

/** Beats a host may miss before the dashboard shows it stale (the lattice notices a loss after ~3). */
export const STALE_AFTER_BEATS = 3;

export interface HostView {
  id: string;
  name: string;
  labels: Record<string, string>;
  version: string;
  uptime_seconds: number;
  interval_ms: number;
  /** Server epoch ms of the last heartbeat (or inventory) seen. */
  last_seen: number;
  stopped: boolean;
  counts: { components: number; providers: number; instances: number };
  components: ComponentDescription[];
  providers: ProviderDescription[];
}

export interface AppView {
  name: string;
  latest_version: string;
  deployed_version: string | null;
  description: string | null;
  state: string;
  message: string;
  versions: Array<{ version: string; created_at: string; deployed: boolean }>;
  /** Status changes seen while the dashboard ran, newest first. */
  history: Array<{ at: string; state: string; message: string; version: string | null }>;
}

export interface EventView {
  type: string;
  source: string;
  time: string;
  summary: string;
}

export interface LatticeState {
  lattice: string;
  /** Server epoch ms when the snapshot was made (the page computes heartbeat ages from it). */
  now: number;
  hosts: Array<HostView & { stale: boolean; heartbeat_age_ms: number }>;
  links: Link[];
  apps: AppView[];
}

const MAX_EVENTS = 200;
const MAX_HISTORY = 20;

function summarize(e: DecodedEvent): string {
  const d = e.data as Record<string, unknown>;
  const parts = ['component_id', 'provider_id', 'image_ref', 'max_instances', 'source_id', 'target', 'name', 'reason', 'error', 'message']
    .filter((k) => d[k] !== undefined && d[k] !== '')
    .map((k) => `${k}=${typeof d[k] === 'object' ? JSON.stringify(d[k]) : String(d[k])}`);
  return parts.join(' ');
}

/**
 * What the dashboard shows, kept live from lattice events (heartbeats, inventories, links),
 * wadm status updates and a slow poll of wadm's application list. Listeners hear about every
 * change and every event.
 */
export class LatticeModel {
  private readonly hosts = new Map<string, HostView>();
  private links: Link[] = [];
  private apps = new Map<string, AppView>();
  readonly events: EventView[] = [];
  private readonly subs: Subscription[] = [];
  private readonly listeners = new Set<(change: { event?: EventView }) => void>();
  private poll: NodeJS.Timeout | null = null;
  private readonly ctl;
  private readonly wadm;

  constructor(
    private readonly nc: NatsConnection,
    readonly lattice: string,
    private readonly log: Logger,
  ) {
    this.ctl = createControlClient(nc, lattice, { timeoutMs: 2_000 });
    this.wadm = createWadmClient(nc, lattice, { timeoutMs: 2_000 });
  }

  async start(): Promise<void> {
    this.subs.push(
      this.nc.subscribe(allEvents(this.lattice), {
        callback: (err, msg) => {
          if (err) return;
          const event = decodeEvent(msg.data);
          if (event) this.onEvent(event);
        },
      }),
      this.nc.subscribe(wadm.statusAll(this.lattice), {
        callback: (err, msg) => {
          if (err) return;
          try {
            const status = AppStatus.safeParse(decodeJson(msg.data));
            if (status.success) this.onStatus(status.data);
          } catch {
            // a foreign publication
          }
        },
      }),
    );
    await Promise.all([this.refreshHosts(), this.refreshLinks(), this.refreshApps()]);
    this.poll = setInterval(() => void this.refreshApps(), 3_000);
    this.poll.unref();
  }

  onChange(listener: (change: { event?: EventView }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(event?: EventView): void {
    for (const l of this.listeners) l({ event });
  }

  private async refreshHosts(): Promise<void> {
    const infos = await this.ctl.pingHosts({ timeoutMs: 1_000 }).catch(() => []);
    await Promise.all(
      infos.map(async (info) => {
        const inv = await this.ctl.getInventory(info.id).catch(() => null);
        this.hosts.set(info.id, {
          id: info.id,
          name: info.friendly_name,
          labels: info.labels,
          version: info.version,
          uptime_seconds: info.uptime_seconds,
          interval_ms: this.hosts.get(info.id)?.interval_ms ?? 1_000,
          last_seen: Date.now(),
          stopped: false,
          counts: { components: inv?.components.length ?? 0, providers: inv?.providers.length ?? 0, instances: 0 },
          components: inv?.components ?? [],
          providers: inv?.providers ?? [],
        });
      }),
    );
    this.changed();
  }

  private async refreshLinks(): Promise<void> {
    try {
      this.links = await this.ctl.getLinks();
      this.changed();
    } catch (error) {
      this.log.debug({ err: error }, 'links not available');
    }
  }

  private async refreshApps(): Promise<void> {
    let list;
    try {
      list = await this.wadm.list();
    } catch {
      return; // no wadm in this lattice (yet)
    }
    let different = list.length !== this.apps.size;
    const next = new Map<string, AppView>();
    for (const app of list) {
      const before = this.apps.get(app.name);
      const versions =
        before && before.latest_version === app.latest_version && before.deployed_version === app.deployed_version
          ? before.versions
          : await this.wadm.versions(app.name).catch(() => before?.versions ?? []);
      const view: AppView = { ...app, versions, history: before?.history ?? [] };
      if (!before || before.state !== app.state || before.deployed_version !== app.deployed_version || before.message !== app.message) {
        different = true;
        if (!before || before.state !== app.state)
          view.history = [{ at: new Date().toISOString(), state: app.state, message: app.message, version: app.deployed_version }, ...view.history].slice(
            0,
            MAX_HISTORY,
          );
      }
      next.set(app.name, view);
    }
    this.apps = next;
    if (different) this.changed();
  }

  private onStatus(status: AppStatus): void {
    const app = this.apps.get(status.name);
    if (!app) {
      void this.refreshApps();
      return;
    }
    if (app.state !== status.state || app.message !== status.message) {
      app.history = [{ at: status.updated_at, state: status.state, message: status.message, version: status.version }, ...app.history].slice(0, MAX_HISTORY);
    }
    app.state = status.state;
    app.message = status.message;
    app.deployed_version = status.version;
    this.changed();
  }

  private onEvent(e: DecodedEvent): void {
    const view: EventView = { type: e.type, source: e.source, time: e.time, summary: summarize(e) };
    switch (e.type) {
      case 'host_heartbeat': {
        const d = e.data;
        const host = this.hosts.get(d.id);
        if (!host) {
          void this.refreshHosts();
          return;
        }
        host.name = d.friendly_name;
        host.labels = d.labels;
        host.version = d.version;
        host.uptime_seconds = d.uptime_seconds;
        host.interval_ms = d.interval_ms;
        host.counts = d.counts;
        host.last_seen = Date.now();
        host.stopped = false;
        // Heartbeats are not shown in the event list: one per host per second would drown it.
        this.changed();
        return;
      }
      case 'host_inventory': {
        const d = e.data;
        const host = this.hosts.get(d.id);
        const view2: HostView = {
          id: d.id,
          name: d.friendly_name,
          labels: d.labels,
          version: d.version,
          uptime_seconds: d.uptime_seconds,
          interval_ms: host?.interval_ms ?? 1_000,
          last_seen: Date.now(),
          stopped: false,
          counts: { components: d.components.length, providers: d.providers.length, instances: d.components.reduce((n, c) => n + c.max_instances, 0) },
          components: d.components,
          providers: d.providers,
        };
        this.hosts.set(d.id, view2);
        break;
      }
      case 'host_stopped': {
        const host = this.hosts.get(e.data.host_id);
        if (host) host.stopped = true;
        break;
      }
      case 'host_started':
        void this.refreshHosts();
        break;
      case 'linkdef_set':
      case 'linkdef_deleted':
        void this.refreshLinks();
        break;
      default:
        break;
    }
    this.events.unshift(view);
    if (this.events.length > MAX_EVENTS) this.events.length = MAX_EVENTS;
    this.changed(view);
  }

  snapshot(): LatticeState {
    const now = Date.now();
    return {
      lattice: this.lattice,
      now,
      hosts: [...this.hosts.values()]
        .map((h) => {
          const age = now - h.last_seen;
          return { ...h, heartbeat_age_ms: age, stale: h.stopped || age > STALE_AFTER_BEATS * h.interval_ms };
        })
        .sort((a, b) => a.name.localeCompare(b.name)),
      links: this.links,
      apps: [...this.apps.values()].sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  stop(): void {
    for (const s of this.subs.splice(0)) s.unsubscribe();
    if (this.poll) clearInterval(this.poll);
    this.listeners.clear();
  }
}
