import type { KV, NatsConnection } from 'nats';
import { decodeJson, encodeJson } from '../../protocol/codec.js';
import { AppStatus } from '../../protocol/schemas/wadm.js';
import { buckets, wadm } from '../../protocol/subjects.js';
import { StoreError } from './errors.js';

/**
 * Latest status per application, kept apart from the manifests so that frequent status writes
 * never contend with manifest changes. Every put is also published on `wadm.status.<lattice>.<app>`.
 */
export class StatusStore {
  private constructor(
    private readonly nc: NatsConnection,
    readonly kv: KV,
    readonly lattice: string,
  ) {}

  static async open(nc: NatsConnection, lattice: string, opts: { replicas?: number; domain?: string } = {}): Promise<StatusStore> {
    try {
      const kv = await nc
        .jetstream(opts.domain ? { domain: opts.domain } : {})
        .views.kv(buckets.appStatus(lattice), { history: 1, replicas: opts.replicas ?? 1 });
      return new StatusStore(nc, kv, lattice);
    } catch (cause) {
      throw new StoreError(`cannot open the status bucket of lattice ${lattice}: ${(cause as Error).message}`, { cause });
    }
  }

  async get(name: string): Promise<AppStatus | null> {
    const entry = await this.kv.get(name);
    if (entry?.operation !== 'PUT') return null;
    const parsed = AppStatus.safeParse(decodeJson(entry.value));
    return parsed.success ? parsed.data : null;
  }

  async put(status: AppStatus): Promise<void> {
    const checked = AppStatus.parse(status);
    await this.kv.put(checked.name, encodeJson(checked));
    this.nc.publish(wadm.status(this.lattice, checked.name), encodeJson(checked));
  }

  /** The revision of `name`'s status entry (0: none), for `putIfUnchanged`. */
  async revision(name: string): Promise<number> {
    const entry = await this.kv.get(name);
    return entry && entry.operation === 'PUT' ? entry.revision : 0;
  }

  /**
   * Writes `status` only if nobody wrote `name`'s status since `revision` was read (0: there was
   * none); false when someone did: theirs is newer and stays.
   */
  async putIfUnchanged(status: AppStatus, revision: number): Promise<boolean> {
    const checked = AppStatus.parse(status);
    try {
      if (revision === 0) await this.kv.create(checked.name, encodeJson(checked));
      else await this.kv.update(checked.name, encodeJson(checked), revision);
    } catch (error) {
      // JetStream refuses on a newer last sequence ("wrong last sequence") or an existing key.
      if (/wrong last sequence|exists/i.test((error as Error).message)) return false;
      throw error;
    }
    this.nc.publish(wadm.status(this.lattice, checked.name), encodeJson(checked));
    return true;
  }

  async delete(name: string): Promise<void> {
    await this.kv.purge(name);
  }
}
