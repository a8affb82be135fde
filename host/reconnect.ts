import { Events, type NatsConnection } from 'nats';
import type { Logger } from '../lib/logger.js';

export interface ConnectionCallbacks {
  onDisconnect(): void;
  onReconnect(): void;
  /** The connection closed for good (not by the host's own stop). */
  onClosed(): void;
}

/**
 * Follows the connection's status so the host can stop beating while disconnected and announce
 * itself again on reconnect (observers may have declared it gone, and the server may have
 * restarted without any state). Returns the function that stops following.
 */
export function watchConnection(nc: NatsConnection, log: Logger, callbacks: ConnectionCallbacks): () => void {
  let active = true;
  const statuses = nc.status();
  void (async () => {
    for await (const status of statuses) {
      if (!active) break;
      if (status.type === Events.Disconnect) {
        log.warn({ server: String(status.data) }, 'lost the NATS connection; reconnecting');
        callbacks.onDisconnect();
      } else if (status.type === Events.Reconnect) {
        log.info({ server: String(status.data) }, 'NATS connection back; announcing the host again');
        callbacks.onReconnect();
      }
    }
  })();
  void nc.closed().then((error) => {
    if (!active) return;
    if (error) log.error({ err: error }, 'NATS connection closed with an error');
    callbacks.onClosed();
  });
  return () => {
    active = false;
    // The client's iterator can be stopped although its type only says AsyncIterable; without
    // this a host on a borrowed connection would keep a listener until the next status change.
    (statuses as { stop?: () => void }).stop?.();
  };
}
