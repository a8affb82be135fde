/**
 * What worker ingress serves itself, counted per route when the host keeps metrics: the main
 * thread never sees these requests, so the worker reports them about once a second.
 */
import type { WorkerStats } from '../ingress/types.js';

/** How often a worker reports what it served itself, when the host keeps metrics. */
const STATS_INTERVAL_MS = 1_000;

export class IngressStats {
  /** Histogram bounds when the host keeps metrics; null: nothing is counted. */
  private bounds: number[] | null = null;
  /** By route (link) id. */
  private readonly stats = new Map<string, WorkerStats>();
  private reporter: NodeJS.Timeout | undefined;

  constructor(private readonly send: (entries: Array<[string, WorkerStats]>) => void) {}

  /** Whether requests are counted (the host keeps metrics). */
  get on(): boolean {
    return this.bounds !== null;
  }

  /** Counts from now on with these histogram bounds, reported about once a second. */
  countFor(bounds: number[]): void {
    this.bounds = bounds;
    this.reporter ??= setInterval(() => this.report(), STATS_INTERVAL_MS);
    this.reporter.unref();
  }

  count(routeId: string, seconds: number, failed: boolean): void {
    const bounds = this.bounds!;
    let stats = this.stats.get(routeId);
    if (!stats) this.stats.set(routeId, (stats = { calls: 0, errors: 0, buckets: new Array<number>(bounds.length + 1).fill(0), sum: 0 }));
    stats.calls++;
    if (failed) stats.errors++;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    stats.buckets[i]!++;
    stats.sum += seconds;
  }

  stop(): void {
    clearInterval(this.reporter);
  }

  private report(): void {
    if (this.stats.size === 0) return;
    this.send([...this.stats]);
    this.stats.clear();
  }
}
