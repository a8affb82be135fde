import type { NatsConnection } from 'nats';
import type { z } from 'zod';
import { buckets, Link, linkKey, linkMatches, type LinkDelRequest, type LinkIdentity } from '../protocol/mod.js';
import type { Logger } from '../lib/logger.js';
import type { BucketOptions } from './kv.js';
import type { KvBucket } from './kv-bucket.js';
import { KvView } from './kv-view.js';
import { TypedKvStore } from './typed-kv.js';

/** A live view of links with the lookups the link router needs. */
export class LinkView extends KvView<Link> {
  /** Links whose source is `sourceId` (what a component or provider may call). */
  from(sourceId: string): Link[] {
    return this.values().filter((l) => l.source_id === sourceId);
  }

  /** Links whose target is `targetId` (who may call it, with which target config). */
  to(targetId: string): Link[] {
    return this.values().filter((l) => l.target === targetId);
  }

  /** The links of `sourceId` for `namespace:package` under `name` (one per target). */
  find(sourceId: string, witNamespace: string, witPackage: string, name = 'default'): Link[] {
    return this.values().filter((l) => l.source_id === sourceId && l.wit_namespace === witNamespace && l.wit_package === witPackage && l.name === name);
  }
}

const linkView = (bucket: KvBucket, schema: z.ZodType<Link>, log: Logger): LinkView => new LinkView(bucket, schema, log);

/**
 * Links of one lattice, in the JetStream KV bucket `LATTICEDATA_<lattice>`, keyed by `linkKey()`
 * (`source.namespace.package.name.target`): putting a link with the same identity replaces it.
 */
export class LinkStore {
  private constructor(
    private readonly store: TypedKvStore<Link, LinkView>,
    private readonly log: Logger,
  ) {}

  get bucket(): string {
    return this.store.bucket;
  }

  static async open(nc: NatsConnection, lattice: string, log: Logger, options: BucketOptions = {}): Promise<LinkStore> {
    return new LinkStore(await TypedKvStore.open(nc, buckets.links(lattice), Link, log, options, linkView), log);
  }

  /** The store over another bucket (memory-stores.ts: in memory, for unit tests). */
  static over(bucket: KvBucket, log: Logger): LinkStore {
    return new LinkStore(TypedKvStore.over(bucket, Link, log, linkView), log);
  }

  get(id: LinkIdentity): Promise<Link | null> {
    return this.store.get(linkKey(id));
  }

  put(link: Link): Promise<void> {
    return this.store.put(linkKey(link), link);
  }

  /** Deletes the links the request names (all targets unless it names one); returns them. */
  async delete(req: LinkDelRequest): Promise<Link[]> {
    const removed = (await this.list()).filter((l) => linkMatches(l, req));
    for (const link of removed) await this.store.delete(linkKey(link));
    return removed;
  }

  /** Every link, ordered by key. A stored value that fails to decode is skipped and logged. */
  async list(): Promise<Link[]> {
    const keys = await this.store.keys();
    const links = await Promise.all(
      keys.map((key) =>
        this.store.get(key).catch((error: unknown) => {
          this.log.warn({ err: error }, 'skipping invalid link');
          return null;
        }),
      ),
    );
    return links.filter((l): l is Link => l !== null);
  }

  /** The shared live view of every link (started on first call, stopped by `close`). */
  live(): Promise<LinkView> {
    return this.store.live();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
