import type { NatsConnection } from 'nats';

/**
 * Large payloads are split into chunks that fit the server's max payload, rather than parked in
 * the object store: chunks need no JetStream (an edge leaf without a JetStream domain still
 * works), leave nothing behind to clean up when a caller dies, avoid the object store's hanging
 * reads during failover, and cost one extra round trip per chunk only for large values.
 */

/** nats-server's default max payload, used before the connection has reported its own. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * Room left in each message for the subject, reply subject and headers, which count against
 * max_payload too. Our headers are well under 1 KiB; 8 KiB leaves room for a tracer's additions.
 */
const HEADROOM = 8 * 1024;

/** The largest body one message may carry on this connection. */
export function maxChunkSize(nc: NatsConnection): number {
  const max = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  return Math.max(1024, max - Math.min(HEADROOM, Math.floor(max / 4)));
}

export function splitChunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    parts.push(bytes.subarray(offset, Math.min(bytes.length, offset + size)));
  }
  return parts.length ? parts : [bytes];
}

/** Parses a chunk count or index header; null when absent or not a non-negative integer. */
export function intHeader(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  return /^\d{1,9}$/.test(value) ? Number(value) : null;
}
