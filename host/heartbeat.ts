/**
 * Default heartbeat interval. wasmCloud beats every 30 s; here a dead host must be noticed within
 * seconds (observers treat a few missed beats as gone), and a beat is a few hundred bytes, so 1 s
 * costs little (see docs and bench/host-heartbeat-bytes.ts).
 */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;

/** Below this, beats would be noise on the lattice rather than liveness information. */
export const MIN_HEARTBEAT_INTERVAL_MS = 50;

/** Calls `beat` every `intervalMs` until stopped; `now()` beats at once (start, reconnect). */
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly intervalMs: number,
    private readonly beat: () => void,
  ) {
    assertHeartbeatInterval(intervalMs);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.beat(), this.intervalMs);
  }

  now(): void {
    this.beat();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** Throws RangeError for an interval that is not an integer of at least MIN_HEARTBEAT_INTERVAL_MS. */
export function assertHeartbeatInterval(intervalMs: number): void {
  if (!Number.isInteger(intervalMs) || intervalMs < MIN_HEARTBEAT_INTERVAL_MS) {
    throw new RangeError(`heartbeat interval must be an integer of at least ${MIN_HEARTBEAT_INTERVAL_MS} ms, got ${intervalMs}`);
  }
}
