/**
 * How a host keeps the lattice aware of it: what it says about itself (info, full inventory, a
 * heartbeat), the heartbeat loop, inventory events coalesced over bursts of changes, and the
 * announcement sent again when the NATS connection comes back (observers may have declared the
 * host gone meanwhile, and a restarted server holds no state).
 */
import type { HostHeartbeat, HostInfo, HostInventory } from '../protocol/mod.js';
import { measureCapacity } from './capacity.js';
import type { EventPublisher } from './events.js';
import { Heartbeat } from './heartbeat.js';
import type { HostIdentity } from './identity.js';
import type { Inventory } from './inventory.js';
import type { HostLabels } from './labels.js';
import { INVENTORY_PUBLISH_DELAY_MS } from './options.js';

/** The parts of a host its announcements describe. */
export interface PresenceSources {
  readonly identity: HostIdentity;
  readonly lattice: string;
  readonly labels: HostLabels;
  readonly inventory: Inventory;
  readonly events: EventPublisher;
  readonly heartbeatIntervalMs: number;
  /** Once stopped a host neither beats nor schedules inventory events. */
  stopped(): boolean;
}

export class Presence {
  private connectedValue = true;
  private readonly heartbeat: Heartbeat;
  private inventoryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly host: PresenceSources) {
    this.heartbeat = new Heartbeat(host.heartbeatIntervalMs, () => this.beat());
  }

  /** Whether the NATS connection is up, as far as the last status change said. */
  get connected(): boolean {
    return this.connectedValue;
  }

  info(): HostInfo {
    const { identity } = this.host;
    return {
      id: identity.id,
      friendly_name: identity.friendlyName,
      labels: this.host.labels.all(),
      version: identity.version,
      lattice: this.host.lattice,
      started_at: identity.startedAt.toISOString(),
      uptime_seconds: this.uptimeSeconds(),
      revision: this.host.inventory.revision,
    };
  }

  describeInventory(): HostInventory {
    const { inventory } = this.host;
    return { ...this.info(), components: inventory.components(), providers: inventory.providers() };
  }

  heartbeatPayload(): HostHeartbeat {
    const { identity, inventory } = this.host;
    return {
      id: identity.id,
      friendly_name: identity.friendlyName,
      labels: this.host.labels.all(),
      version: identity.version,
      uptime_seconds: this.uptimeSeconds(),
      counts: inventory.counts(),
      revision: inventory.revision,
      interval_ms: this.host.heartbeatIntervalMs,
      capacity: measureCapacity(),
    };
  }

  /** Publishes the full inventory now (`host_inventory`); returns the event's size in bytes. */
  publishInventory(): number {
    if (this.inventoryTimer) clearTimeout(this.inventoryTimer);
    this.inventoryTimer = null;
    return this.host.events.publish('host_inventory', this.describeInventory());
  }

  /** Publishes the inventory after INVENTORY_PUBLISH_DELAY_MS, once for all changes until then. */
  scheduleInventory(): void {
    if (this.inventoryTimer || this.host.stopped()) return;
    this.inventoryTimer = setTimeout(() => this.publishInventory(), INVENTORY_PUBLISH_DELAY_MS);
  }

  /** Announces the host and beats from now on. */
  start(): void {
    this.announce();
    this.heartbeat.start();
  }

  disconnected(): void {
    this.connectedValue = false;
  }

  reconnected(): void {
    this.connectedValue = true;
    this.announce();
  }

  /**
   * Ends the beats and a pending inventory event. The timer is left set: a change during the rest
   * of the stop schedules no new event.
   */
  stop(): void {
    this.heartbeat.stop();
    if (this.inventoryTimer) clearTimeout(this.inventoryTimer);
  }

  /** Only the beats: what a stop that failed half-way still ends. */
  stopBeating(): void {
    this.heartbeat.stop();
  }

  /** Heartbeat and full inventory at once: at start and whenever the connection comes back. */
  private announce(): void {
    this.publishInventory();
    this.heartbeat.now();
  }

  private beat(): void {
    // Beats published while disconnected reach nobody (measured: nats 2.29 does not deliver them
    // after reconnecting); the reconnect handler announces the host at once instead.
    if (!this.connectedValue || this.host.stopped()) return;
    this.host.events.publish('host_heartbeat', this.heartbeatPayload());
  }

  private uptimeSeconds(): number {
    return Math.floor((Date.now() - this.host.identity.startedAt.getTime()) / 1000);
  }
}
