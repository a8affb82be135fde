/** Outcome of a drain: whether everything finished before the deadline, and what was left. */
export interface DrainResult {
  drained: boolean;
  pending: number;
}

/**
 * Counts in-flight work (control requests, invocations, provider calls) so a graceful stop can
 * wait for it. Once closed, `tryBegin` refuses new work; work already begun may finish.
 */
export class WorkTracker {
  private inFlight = 0;
  private closed = false;
  private waiters: Array<() => void> = [];

  get pending(): number {
    return this.inFlight;
  }

  get accepting(): boolean {
    return !this.closed;
  }

  /**
   * Marks the start of one unit of work and returns the function that ends it (idempotent).
   * Returns null when the host is stopping: the caller must refuse the work.
   */
  tryBegin(): (() => void) | null {
    if (this.closed) return null;
    return this.begin();
  }

  /** Like tryBegin but always counts the work, for work that cannot be refused (already accepted). */
  begin(): () => void {
    this.inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      if (this.inFlight === 0) this.wake();
    };
  }

  /** Tracks a promise as in-flight work until it settles; returns the same promise. */
  track<T>(work: Promise<T>): Promise<T> {
    const end = this.begin();
    work.then(end, end);
    return work;
  }

  /** Stops accepting new work (tryBegin returns null from now on). */
  close(): void {
    this.closed = true;
  }

  /** Closes, then waits until nothing is in flight or `timeoutMs` passes. */
  async drain(timeoutMs: number): Promise<DrainResult> {
    this.close();
    if (this.inFlight === 0) return { drained: true, pending: 0 };
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.waiters.push(() => resolve(true)));
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
    });
    const drained = await Promise.race([idle, deadline]);
    clearTimeout(timer);
    return { drained, pending: this.inFlight };
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
