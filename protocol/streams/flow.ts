/**
 * The flow-control rules of byte streams, as arithmetic both transports share: no timers, no
 * messages, no state of their own (the callers keep the counters, so the hot paths allocate
 * nothing). Free of any transport, so the worker threads can import it.
 *
 * - Between connections (nats-*.ts) the reader pulls: it grants the producer a WINDOW of messages
 *   and tops the grant up as it takes them, so at most WINDOW messages are ever in flight.
 * - Between the main thread and a worker (in-process.ts) the worker pushes: it stops at every
 *   HIGH_WATER bytes it sent and waits until less than HIGH_WATER is queued for the reader.
 */

/** Messages a NATS reader grants at a time (docs/protocol.md, "Flow control"). */
export const WINDOW = 16;

/**
 * Credit a reader grants once it has taken TAKEN messages since its last grant: none until half
 * the window is used (one grant per message would double the traffic), then all of them.
 */
export function creditToGrant(taken: number): number {
  return taken >= WINDOW / 2 ? taken : 0;
}

/**
 * Messages a producer may add for a grant's credit header. Anything but a positive integer adds
 * none: 0 is a keep-alive, and a malformed grant must not let a producer run ahead.
 */
export function grantedCredit(header: string | undefined): number {
  const credit = Number(header ?? 0);
  return Number.isInteger(credit) && credit > 0 ? credit : 0;
}

/** Shortest silence either side waits for: a short call deadline must not cut a live stream. */
export const MIN_IDLE_MS = 1_000;

/** The silence after which a stream is given up, for a call whose deadline is REQUESTED ms. */
export function idleLimit(requestedMs: number | undefined): number {
  return Math.max(MIN_IDLE_MS, requestedMs ?? 0);
}

/** How often a waiting side shows it is alive: three beats per idle limit, so one lost beat is no loss. */
export function beatInterval(idleMs: number): number {
  return Math.max(250, idleMs / 3);
}

/** Bytes a worker may send before it waits for the reader (also the level the reader must drain to). */
export const HIGH_WATER = 1 << 20;

/** Whether a writer that has sent SENT bytes since its last wait must wait now (and count from 0). */
export function drainDue(sent: number): boolean {
  return sent >= HIGH_WATER;
}

/** Whether a reader with QUEUED bytes not yet taken lets its waiting writer go on. */
export function mayResume(queued: number): boolean {
  return queued < HIGH_WATER;
}
