import { Events, type NatsConnection } from 'nats';

/**
 * Whether a connection reaches NATS right now, followed from its status events. It matters
 * because nats.js (2.29) discards what is published while it reconnects: a request sent then
 * is lost and waits for its timeout. Remote calls ask this first and fail at once instead, calls
 * in flight are failed when the connection drops (their replies cannot come back through it),
 * and wadm stops judging the lattice while it cannot see it. One per connection.
 */
export class Connectivity {
  private up: boolean;
  private since = Date.now();
  private readonly downs = new Set<() => void>();
  private readonly ups = new Set<() => void>();

  private constructor(private readonly nc: NatsConnection) {
    // The status events only tell changes; the state at the time of the first look is the
    // client's own flag (not in its typed API, hence the guard).
    const protocol = (nc as unknown as { protocol?: { connected?: unknown } }).protocol;
    this.up = typeof protocol?.connected === 'boolean' ? protocol.connected : !nc.isClosed();
  }

  static of(nc: NatsConnection): Connectivity {
    let known = watched.get(nc);
    if (!known) {
      known = new Connectivity(nc);
      watched.set(nc, known);
      known.follow();
    }
    return known;
  }

  get connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  /** Epoch ms since when the connection has been in its current state (up or down). */
  get changedAt(): number {
    return this.since;
  }

  /** Calls `fn` each time the connection drops; returns the function that stops that. */
  onDown(fn: () => void): () => void {
    this.downs.add(fn);
    return () => this.downs.delete(fn);
  }

  /** Calls `fn` each time the connection is back; returns the function that stops that. */
  onUp(fn: () => void): () => void {
    this.ups.add(fn);
    return () => this.ups.delete(fn);
  }

  private follow(): void {
    // The iterator ends when the connection closes.
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === Events.Disconnect) this.set(false);
        else if (status.type === Events.Reconnect) this.set(true);
      }
    })();
    void this.nc.closed().then(() => this.set(false));
  }

  private set(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    this.since = Date.now();
    for (const fn of [...(up ? this.ups : this.downs)]) fn();
  }
}

const watched = new WeakMap<NatsConnection, Connectivity>();
