/**
 * The lattice's stores in memory, named and shaped as in a lattice, for unit tests of host, wadm
 * and provider code that reads them where NATS is not what the test is about.
 */
import type { Logger } from '../lib/logger.js';
import { buckets } from '../protocol/subjects.js';
import { type BlobArtifactStore, memoryArtifactStore } from './artifact-store.js';
import { ConfigStore } from './config-store.js';
import { LinkStore } from './link-store.js';
import { MemoryKvBucket } from './memory-kv.js';
import { SecretStore } from './secret-store.js';

export interface MemoryStores {
  config: ConfigStore;
  links: LinkStore;
  secrets: SecretStore;
  artifacts: BlobArtifactStore;
  /** The KV buckets under the stores, to write a value the stores would refuse (a damaged one). */
  buckets: { config: MemoryKvBucket; links: MemoryKvBucket; secrets: MemoryKvBucket };
  close(): Promise<void>;
}

export interface MemoryStoresOptions {
  lattice?: string;
  /** The lattice secrets key; null (the default): secret names can be checked, values not read or written. */
  secretsKey?: Buffer | null;
}

export function memoryStores(log: Logger, options: MemoryStoresOptions = {}): MemoryStores {
  const lattice = options.lattice ?? 'default';
  const kv = {
    config: new MemoryKvBucket(buckets.config(lattice)),
    links: new MemoryKvBucket(buckets.links(lattice)),
    secrets: new MemoryKvBucket(buckets.secrets(lattice)),
  };
  const config = ConfigStore.over(kv.config, log);
  const links = LinkStore.over(kv.links, log);
  const secrets = SecretStore.over(kv.secrets, lattice, options.secretsKey ?? null, log);
  return {
    config,
    links,
    secrets,
    artifacts: memoryArtifactStore(lattice),
    buckets: kv,
    close: async () => {
      await Promise.all([config.close(), links.close(), secrets.close()]);
    },
  };
}
