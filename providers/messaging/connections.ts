import type { NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { connectLongLived } from '../../lib/nats-connection.js';

/**
 * NATS connections of the messaging provider: the host's own (the default), plus one per
 * distinct `cluster_uris` a link names, shared by every link naming the same servers.
 */
export class Connections {
  private readonly others = new Map<string, Promise<NatsConnection>>();

  constructor(
    private readonly hostNc: NatsConnection,
    private readonly log: Logger,
  ) {}

  /** True when `nc` is the host's lattice connection (reserved subjects must be guarded there). */
  isHost(nc: NatsConnection): boolean {
    return nc === this.hostNc;
  }

  get(uris: string[] | null): Promise<NatsConnection> {
    if (uris === null) return Promise.resolve(this.hostNc);
    const key = uris.join(',');
    let nc = this.others.get(key);
    if (!nc) {
      this.log.info({ servers: uris }, 'connecting to a link cluster');
      // The same policy as every long-lived lattice connection: reconnect forever, log outages.
      nc = connectLongLived({ url: uris.join(',') }, 'lattice-messaging', this.log);
      this.others.set(key, nc);
      nc.catch(() => this.others.delete(key));
    }
    return nc;
  }

  async close(): Promise<void> {
    const all = [...this.others.values()];
    this.others.clear();
    for (const nc of all) await nc.then((c) => c.drain()).catch(() => undefined);
  }
}
