/**
 * The host's NATS connection: opened by the host unless it was given one, described to the child
 * processes that join the lattice on their own (providers), and closed at the end of a stop.
 */
import type { NatsConnection } from 'nats';
import type { Logger } from '../lib/logger.js';
import { connectLongLived, natsSettingsFromEnv, natsSettingsToEnv } from '../lib/nats-connection.js';
import type { HostOptions } from './options.js';

/** `owns`: the host opened the connection, so it drains and closes it on stop. */
export interface HostConnection {
  nc: NatsConnection;
  owns: boolean;
}

/** `options.nats` when given, else a long-lived connection named after the host. */
export async function openConnection(options: HostOptions, friendlyName: string, log: Logger): Promise<HostConnection> {
  const nc = options.nats ?? (await connectLongLived(options.natsSettings ?? natsSettingsFromEnv(), `lattice-host-${friendlyName}`, log));
  return { nc, owns: options.nats === undefined };
}

/**
 * NATS settings as environment variables, for child processes that join the lattice on their
 * own (providers). A borrowed connection only tells its server, so children get that URL.
 */
export function childNatsEnv(options: HostOptions, nc: NatsConnection): Record<string, string> {
  const base = options.natsSettings ?? (options.nats ? { url: `nats://${nc.getServer()}` } : natsSettingsFromEnv());
  const auth = options.providerAuth;
  if (!auth) return natsSettingsToEnv(base);
  // Providers get their own, narrower identity (docs/security.md), never the host's.
  const { user: _u, password: _p, token: _t, nkeySeed: _n, credsFile: _c, ...rest } = base;
  return natsSettingsToEnv({ ...rest, nkeySeed: auth.nkeySeed, credsFile: auth.credsFile });
}

/** The last step of a stop: what is buffered still goes out; a borrowed connection stays open. */
export async function closeConnection({ nc, owns }: HostConnection, log: Logger): Promise<void> {
  try {
    if (nc.isClosed()) return;
    // drain() flushes what is buffered (host_stopped, the last replies) before closing.
    if (owns) await nc.drain();
    else await nc.flush();
  } catch (error) {
    log.warn({ err: error }, 'closing the NATS connection failed');
    if (owns) await nc.close().catch(() => undefined);
  }
}
