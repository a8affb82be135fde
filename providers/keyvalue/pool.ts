import type { NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { createMemoryBackend, type MemoryStore } from './backends/memory.js';
import { createNatsBackend } from './backends/nats.js';
import type { KeyValueBackend } from './backends/types.js';
import type { StoreTarget } from './config.js';

/** The Redis a `backend: redis` link uses when neither it nor the provider names one. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * One backend per distinct (kind, server, options) among the links, shared by every link that
 * resolves to the same one, so a hundred components on one Redis use one connection. The memory
 * data is one map for the whole provider: two links naming the same bucket see the same keys.
 */
export class BackendPool {
  private readonly backends = new Map<string, Promise<KeyValueBackend>>();
  private readonly memory: MemoryStore = new Map();

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {}

  get(target: StoreTarget): Promise<KeyValueBackend> {
    const key = JSON.stringify([target.backend, target.url, target.password, target.create, target.jsDomain]);
    let backend = this.backends.get(key);
    if (!backend) {
      backend = this.create(target);
      this.backends.set(key, backend);
      // A failed creation is not cached: the next open tries again.
      backend.catch(() => this.backends.delete(key));
    }
    return backend;
  }

  private async create(target: StoreTarget): Promise<KeyValueBackend> {
    switch (target.backend) {
      case 'memory':
        return createMemoryBackend({ store: this.memory, autoCreate: target.create });
      case 'nats':
        return createNatsBackend({ nc: this.nc, create: target.create, domain: target.jsDomain });
      case 'redis': {
        const url = target.url ?? DEFAULT_REDIS_URL;
        if (!/^rediss?:\/\//.test(url)) throw new Error(`redis url ${JSON.stringify(url)} must start with redis:// or rediss://`);
        this.log.info({ url: redact(url) }, 'connecting to redis');
        // ioredis costs ~10 MB of RSS: loaded only by hosts that actually talk to Redis.
        const { createRedisBackend } = await import('./backends/redis.js');
        return createRedisBackend({ url, password: target.password, log: this.log });
      }
    }
  }

  async close(): Promise<void> {
    const all = [...this.backends.values()];
    this.backends.clear();
    for (const backend of all) {
      try {
        await (await backend).close();
      } catch (error) {
        this.log.warn({ err: error }, 'closing a keyvalue backend failed');
      }
    }
  }
}

/** A URL without its password, for logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
