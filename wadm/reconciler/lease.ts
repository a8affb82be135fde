import type { KV, NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { buckets } from '../../protocol/subjects.js';

/**
 * The lease lapses this long after its holder's last renewal (the bucket's max_age), so a
 * killed leader is replaced within about LEASE_TTL_MS + LEASE_RENEW_MS. Several renewals fit in
 * one TTL so that a busy event loop (a component transpiling in the same process) does not
 * lose it.
 */
export const LEASE_TTL_MS = 5_000;
export const LEASE_RENEW_MS = 1_000;

export interface LeaseOptions {
  nc: NatsConnection;
  lattice: string;
  /** This wadm instance's id (written as the lease value, shown in logs). */
  holder: string;
  logger: Logger;
  onChange: (leader: boolean) => void;
  ttlMs?: number;
  renewMs?: number;
  /** JetStream domain of the lease bucket (the lattice buckets' domain). */
  domain?: string;
}

/**
 * Leader election through one key per lattice in a KV bucket with a TTL: acquiring is a
 * `create` (fails while someone holds it), renewing is an `update` on the revision we wrote
 * (fails if someone else took over, and then we step down). Only the leader reconciles; every
 * instance serves the API and keeps observing, so a take-over starts from a warm picture.
 */
export class LeaderLease {
  private revision = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private busy = false;

  private constructor(
    private readonly kv: KV,
    private readonly options: LeaseOptions,
  ) {}

  static async start(options: LeaseOptions): Promise<LeaderLease> {
    const kv = await options.nc.jetstream(options.domain ? { domain: options.domain } : {}).views.kv(buckets.wadmLease(), { history: 1, ttl: options.ttlMs ?? LEASE_TTL_MS });
    const lease = new LeaderLease(kv, options);
    await lease.attempt();
    lease.timer = setInterval(() => void lease.attempt(), options.renewMs ?? LEASE_RENEW_MS);
    return lease;
  }

  get leader(): boolean {
    return this.revision > 0;
  }

  private get key(): string {
    return this.options.lattice;
  }

  private async attempt(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    const value = new TextEncoder().encode(this.options.holder);
    try {
      if (this.leader) {
        try {
          this.revision = await this.kv.update(this.key, value, this.revision);
        } catch (error) {
          this.options.logger.warn({ err: error }, 'lost the wadm leader lease');
          this.set(0);
        }
      } else {
        try {
          this.set(await this.kv.create(this.key, value));
          this.options.logger.info({ holder: this.options.holder }, 'acquired the wadm leader lease');
        } catch {
          // Someone else holds it; try again on the next round.
        }
      }
    } finally {
      this.busy = false;
    }
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
      await this.kv.delete(this.key, { previousSeq: this.revision }).catch(() => undefined);
      this.revision = 0;
    }
  }
}
