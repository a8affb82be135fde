import type { NatsConnection } from 'nats';
import { Connectivity } from '../../lib/connectivity.js';
import type { Logger } from '../../lib/logger.js';
import { buckets } from '../../protocol/subjects.js';
import { JetStreamKvBucket } from '../../store/jetstream-kv.js';
import { type KvBucket, KvRevisionError } from '../../store/kv-bucket.js';

/**
 * The lease lapses this long after its holder's last renewal (the bucket's max_age), so a
 * killed leader is replaced within about LEASE_TTL_MS + LEASE_RENEW_MS. Several renewals fit in
 * one TTL so that a busy event loop (a component transpiling in the same process) does not
 * lose it.
 */
export const LEASE_TTL_MS = 5_000;
export const LEASE_RENEW_MS = 1_000;

/** Whether the lease bucket is reachable, and since when (Connectivity, for a NATS connection). */
export interface LeaseLink {
  readonly connected: boolean;
  /** Epoch ms of the last change between reachable and not. */
  readonly changedAt: number;
}

/** A bucket without a connection (memory) is always reachable. */
const ALWAYS_LINKED: LeaseLink = { connected: true, changedAt: 0 };

export interface LeaseBaseOptions {
  lattice: string;
  /** This wadm instance's id (written as the lease value, shown in logs). */
  holder: string;
  logger: Logger;
  onChange: (leader: boolean) => void;
  /** The lease was renewed for the first time after the connection came back (see `current`). */
  onConfirmed?: () => void;
  /** The bucket's TTL, set when `start` creates it. */
  ttlMs?: number;
  /** Renewal period; 0: no timer, rounds run only through `renewNow` (tests drive them). */
  renewMs?: number;
  /** The clock `current` compares renewals with connection changes on (epoch ms). */
  now?: () => number;
}

export interface LeaseOptions extends LeaseBaseOptions {
  nc: NatsConnection;
  /** JetStream domain of the lease bucket (the lattice buckets' domain). */
  domain?: string;
}

export interface LeaseOverOptions extends LeaseBaseOptions {
  /** Default: always reachable. */
  link?: LeaseLink;
}

/**
 * Leader election through one key per lattice in a KV bucket with a TTL: acquiring is a
 * `create` (fails while someone holds it), renewing is an `update` on the revision we wrote
 * (fails if someone else took over, and then we step down). Only the leader reconciles; every
 * instance serves the API and keeps observing, so a take-over starts from a warm picture.
 *
 * A NATS outage is ridden out, not acted on: nothing is tried while the connection is down
 * (nats.js would drop the request and it would time out), a renewal that fails for want of an
 * answer is tried again, and a lease that lapsed meanwhile is taken again at once if nobody else
 * took it. Only a lease someone else holds makes us step down. Until a renewal succeeds after
 * the connection came back, `current` is false: the reconciler waits for it.
 */
export class LeaderLease {
  private revision = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private busy = false;
  /** When the lease was last written by us (acquired or renewed). */
  private confirmedAt = 0;
  private readonly now: () => number;

  private constructor(
    private readonly bucket: KvBucket,
    private readonly options: LeaseBaseOptions,
    private readonly link: LeaseLink,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Opens (or creates, with its TTL) the lattice's lease bucket and starts competing for the lease. */
  static async start(options: LeaseOptions): Promise<LeaderLease> {
    const bucket = await JetStreamKvBucket.open(options.nc, buckets.wadmLease(), {
      domain: options.domain,
      ttlMs: options.ttlMs ?? LEASE_TTL_MS,
    });
    return LeaderLease.over(bucket, { ...options, link: Connectivity.of(options.nc) });
  }

  /** Competes for the lease in `bucket`, whose values must lapse after the TTL (a MemoryKvBucket in tests). */
  static async over(bucket: KvBucket, options: LeaseOverOptions): Promise<LeaderLease> {
    const lease = new LeaderLease(bucket, options, options.link ?? ALWAYS_LINKED);
    await lease.attempt();
    const renewMs = options.renewMs ?? LEASE_RENEW_MS;
    if (renewMs > 0) lease.timer = setInterval(() => void lease.attempt(), renewMs);
    return lease;
  }

  /** One acquire-or-renew round now, as the timer runs them (skipped while one is running). */
  async renewNow(): Promise<void> {
    await this.attempt();
  }

  get leader(): boolean {
    return this.revision > 0;
  }

  /** Leader, with a renewal since the connection was last (re)established: safe to act on. */
  get current(): boolean {
    return this.leader && this.link.connected && this.confirmedAt >= this.link.changedAt;
  }

  private get key(): string {
    return this.options.lattice;
  }

  private async attempt(): Promise<void> {
    if (this.busy || this.stopped || !this.link.connected) return;
    this.busy = true;
    const value = new TextEncoder().encode(this.options.holder);
    try {
      if (this.leader) await this.renew(value);
      else {
        try {
          this.set(await this.bucket.create(this.key, value));
          this.confirmed();
          this.options.logger.info({ holder: this.options.holder }, 'acquired the wadm leader lease');
        } catch {
          // Someone else holds it (or no answer); try again on the next round.
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async renew(value: Uint8Array): Promise<void> {
    try {
      this.revision = await this.bucket.update(this.key, value, this.revision);
      this.confirmed();
      return;
    } catch (error) {
      if (!(error instanceof KvRevisionError)) {
        // No answer (JetStream busy, the connection just dropped): the lease is not lost for that.
        this.options.logger.debug({ err: error }, 'lease renewal got no answer; trying again');
        return;
      }
    }
    // Our revision is not the last: the lease lapsed (TTL) or someone else wrote it.
    try {
      const entry = await this.bucket.entry(this.key);
      if (entry) {
        const holder = new TextDecoder().decode(entry.value);
        if (holder === this.options.holder) {
          // Our own renewal went through but its answer was lost: carry on from its revision.
          this.revision = entry.revision;
          return;
        }
        this.options.logger.warn({ holder }, 'lost the wadm leader lease');
        this.set(0);
        return;
      }
      this.revision = await this.bucket.create(this.key, value);
      this.confirmed();
      this.options.logger.info('the wadm leader lease had lapsed (NATS unreachable for longer than its TTL); taken again');
    } catch (error) {
      if (error instanceof KvRevisionError) {
        this.options.logger.warn({ err: error }, 'lost the wadm leader lease');
        this.set(0);
      } else this.options.logger.debug({ err: error }, 'lease check got no answer; trying again');
    }
  }

  private confirmed(): void {
    const first = this.confirmedAt < this.link.changedAt;
    this.confirmedAt = this.now();
    if (first && this.leader) this.options.onConfirmed?.();
  }

  private set(revision: number): void {
    const was = this.leader;
    this.revision = revision;
    if (was !== this.leader && !this.stopped) this.options.onChange(this.leader);
  }

  /** Stops renewing and, if we hold the lease, releases it so a follower takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    if (this.leader) {
      await this.bucket.delete(this.key, this.revision).catch(() => undefined);
      this.revision = 0;
    }
  }
}
