import type { NatsConnection, Subscription } from 'nats';
import { Connectivity } from '../../lib/connectivity.js';
import type { Logger } from '../../lib/logger.js';
import { allEvents, decodeEvent, type DecodedEvent } from '../../protocol/mod.js';
import type { ControlClient } from '../../protocol/control-client.js';
import {
  applyEvent,
  emptyObserved,
  expireHosts,
  forgiveSilence,
  heartbeatWindow,
  snapshot,
  type Followups,
  type ObservedLattice,
} from '../scalers/observed-state.js';
import type { LatticeState } from '../scalers/types.js';

/** How often silent hosts are looked for: well under one heartbeat, so loss is noticed within ~3.25 beats. */
const EXPIRY_CHECK_MS = 250;
/**
 * Links are re-read this often: link events missed while the connection was down (nats.js
 * resubscribes after a reconnect, but what was published meanwhile is gone) heal by then.
 * Inventories need no such refresh: heartbeats carry their revision.
 */
const LINK_REFRESH_MS = 30_000;

/**
 * Events that can change what a plan would say. A heartbeat alone does not (unless it brings a
 * new host or a newer inventory, which arrive here as inventories).
 */
const CHANGES = new Set<DecodedEvent['type']>([
  'host_inventory',
  'host_stopped',
  'labels_changed',
  'component_scaled',
  'component_scale_failed',
  'provider_started',
  'provider_stopped',
  'provider_start_failed',
  'linkdef_set',
  'linkdef_deleted',
  'config_set',
  'config_deleted',
]);

export interface ObserverOptions {
  nc: NatsConnection;
  ctl: ControlClient;
  logger: Logger;
  /** Called (synchronously) whenever the observed lattice changed; `why` is for the log. */
  onChange: (why: string) => void;
}

/**
 * The reconciler's live picture of the lattice: every event on `wasmbus.evt.<lattice>.>`, plus
 * inventories fetched when a host is new or its heartbeat shows a newer revision than we hold,
 * plus the values of configs someone asked for (events only carry a config's name). Hosts that
 * miss 3 heartbeats (each host's own interval) are dropped; `host_stopped` drops one at once.
 *
 * Its own disconnection is "I cannot see", not "every host went silent": while the connection is
 * down no host expires, and once it is back every host gets a full 3 beats again; the picture
 * counts as `ready` (fit to plan on) only after one heartbeat window connected, by when every
 * live host has beaten and what changed meanwhile has been fetched.
 */
export class LatticeObserver {
  readonly obs: ObservedLattice = emptyObserved();
  /** Configs whose value we hold or know to be absent; others are fetched on demand. */
  private readonly trackedConfigs = new Set<string>();
  private readonly fetching = new Set<string>();
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private linkTimer: NodeJS.Timeout | null = null;
  private sightTimer: NodeJS.Timeout | null = null;
  private synced = false;
  /** When the connection last came back (null: never lost since the start). */
  private regainedAt: number | null = null;
  private readonly link: Connectivity;
  private readonly unwatch: Array<() => void> = [];

  private constructor(private readonly options: ObserverOptions) {
    this.link = Connectivity.of(options.nc);
  }

  /**
   * Subscribes first (so nothing between the sync and the subscription is missed), then asks
   * every host for its inventory and the lattice for its links. Resolves once that is done.
   */
  static async start(options: ObserverOptions): Promise<LatticeObserver> {
    const observer = new LatticeObserver(options);
    observer.sub = options.nc.subscribe(allEvents(options.ctl.lattice), {
      callback: (_err, msg) => {
        const event = decodeEvent(msg.data);
        if (event) observer.handle(event);
      },
    });
    observer.unwatch.push(
      observer.link.onDown(() => observer.blind()),
      observer.link.onUp(() => observer.regainSight()),
    );
    await observer.sync();
    observer.timer = setInterval(() => observer.expire(), EXPIRY_CHECK_MS);
    observer.linkTimer = setInterval(() => void observer.refreshLinks(), LINK_REFRESH_MS);
    return observer;
  }

  /** Whether the picture is fit to plan on: synced, connected, and not just back from blindness. */
  get ready(): boolean {
    if (!this.synced || !this.link.connected) return false;
    return this.regainedAt === null || Date.now() - this.regainedAt >= heartbeatWindow(this.obs);
  }

  /**
   * Whether sight was lost at some point since `since` (epoch ms), or is not back yet: then a
   * request that failed meanwhile failed for that, and says nothing about the lattice.
   */
  interruptedSince(since: number): boolean {
    return !this.ready || this.link.changedAt >= since;
  }

  /** The scalers' input; hosts whose inventory has not arrived yet are left out. */
  state(): LatticeState {
    return snapshot(this.obs);
  }

  /** Fetches the values of configs not tracked yet (a plan compares inline config values). */
  async ensureConfigs(names: Iterable<string>): Promise<void> {
    const missing = [...names].filter((n) => !this.trackedConfigs.has(n));
    await Promise.all(missing.map((n) => this.fetchConfig(n)));
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = null;
    if (this.timer) clearInterval(this.timer);
    if (this.linkTimer) clearInterval(this.linkTimer);
    if (this.sightTimer) clearTimeout(this.sightTimer);
    for (const fn of this.unwatch.splice(0)) fn();
    this.timer = null;
    this.linkTimer = null;
    this.sightTimer = null;
  }

  private blind(): void {
    if (this.sightTimer) clearTimeout(this.sightTimer);
    this.sightTimer = null;
    this.options.logger.info('NATS connection lost: the lattice is not observed, nothing is judged or sent until it is back');
  }

  private regainSight(): void {
    const now = Date.now();
    this.regainedAt = now;
    forgiveSilence(this.obs, now);
    // Link events published meanwhile are gone; inventories catch up through heartbeat revisions.
    void this.refreshLinks();
    const window = heartbeatWindow(this.obs);
    this.options.logger.info({ window_ms: window }, 'NATS connection back: observing again; planning after one heartbeat window');
    if (this.sightTimer) clearTimeout(this.sightTimer);
    this.sightTimer = setTimeout(() => {
      this.sightTimer = null;
      this.options.onChange('connected again for a heartbeat window');
    }, window + 10);
  }

  private async sync(): Promise<void> {
    const { ctl, logger } = this.options;
    const [hosts, links] = await Promise.all([ctl.pingHosts({ timeoutMs: 500 }), ctl.getLinks().catch(() => null)]);
    const now = Date.now();
    for (const h of hosts) {
      if (!this.obs.hosts.has(h.id)) {
        // A record to attach the inventory to; its interval comes with the first heartbeat.
        this.obs.hosts.set(h.id, { id: h.id, labels: h.labels, components: [], providers: [], lastSeen: now, intervalMs: 1_000, revision: -1 });
      }
    }
    await Promise.all(hosts.map((h) => this.fetchInventory(h.id)));
    if (links) for (const l of links) this.handle({ type: 'linkdef_set', data: l, source: 'sync', time: '', id: '' }, false);
    else logger.warn('could not read the links at start; relying on link events');
    this.synced = true;
    this.options.onChange('initial sync');
  }

  private handle(event: DecodedEvent, notify = true): void {
    const follow: Followups = applyEvent(this.obs, event, Date.now());
    if (event.type === 'config_deleted') this.trackedConfigs.add(event.data.config_name);
    for (const id of follow.inventory) void this.fetchInventory(id);
    for (const name of follow.config) void this.fetchConfig(name);
    if (notify && CHANGES.has(event.type)) this.options.onChange(event.type);
  }

  private async refreshLinks(): Promise<void> {
    try {
      const links = await this.options.ctl.getLinks();
      const before = JSON.stringify([...this.obs.links.values()]);
      this.obs.links.clear();
      for (const l of links) this.handle({ type: 'linkdef_set', data: l, source: 'refresh', time: '', id: '' }, false);
      if (JSON.stringify([...this.obs.links.values()]) !== before) this.options.onChange('links refreshed');
    } catch (error) {
      this.options.logger.debug({ err: error }, 'link refresh failed');
    }
  }

  private async fetchInventory(hostId: string): Promise<void> {
    if (this.fetching.has(hostId)) return;
    this.fetching.add(hostId);
    try {
      const inventory = await this.options.ctl.getInventory(hostId);
      this.handle({ type: 'host_inventory', data: inventory, source: hostId, time: '', id: '' });
    } catch (error) {
      // A host that does not answer will be expired by its missing heartbeats.
      this.options.logger.debug({ host_id: hostId, err: error }, 'inventory fetch failed');
    } finally {
      this.fetching.delete(hostId);
    }
  }

  private async fetchConfig(name: string): Promise<void> {
    try {
      const values = await this.options.ctl.getConfig(name);
      if (values) this.obs.configs.set(name, values);
      else this.obs.configs.delete(name);
      this.trackedConfigs.add(name);
      this.options.onChange('config fetched');
    } catch (error) {
      this.options.logger.debug({ config: name, err: error }, 'config fetch failed');
    }
  }

  private expire(): void {
    // Silence heard while disconnected is our own (see regainSight).
    if (!this.link.connected) return;
    const gone = expireHosts(this.obs, Date.now());
    if (gone.length) {
      this.options.logger.warn({ hosts: gone }, 'hosts missed 3 heartbeats; re-placing their share');
      this.options.onChange('host expired');
    }
  }
}
