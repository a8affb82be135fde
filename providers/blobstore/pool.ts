import type { NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { createFsBackend } from './backends/fs.js';
import { createNatsBlobBackend } from './backends/nats.js';
import type { BlobstoreBackend } from './backends/types.js';
import type { BlobTarget } from './config.js';

/** One backend per distinct root (fs) or JetStream domain (nats), shared by the links using it. */
export class BlobBackendPool {
  private readonly backends = new Map<string, Promise<BlobstoreBackend>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {}

  get(target: BlobTarget): Promise<BlobstoreBackend> {
    const key = target.backend === 'fs' ? `fs:${target.root}` : `nats:${target.jsDomain ?? ''}`;
    let backend = this.backends.get(key);
    if (!backend) {
      backend =
        target.backend === 'fs' ? createFsBackend({ root: target.root }) : Promise.resolve(createNatsBlobBackend({ nc: this.nc, domain: target.jsDomain }));
      this.backends.set(key, backend);
      backend.catch(() => this.backends.delete(key));
      this.log.info({ backend: target.backend, root: target.backend === 'fs' ? target.root : undefined }, 'blobstore backend opened');
    }
    return backend;
  }

  async close(): Promise<void> {
    const all = [...this.backends.values()];
    this.backends.clear();
    for (const b of all) await b.then((x) => x.close()).catch((error: unknown) => this.log.warn({ err: error }, 'closing a blobstore backend failed'));
  }
}
