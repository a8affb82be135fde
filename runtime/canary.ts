/**
 * A canary: a second version of a component that takes `weight` percent of its invocations on
 * this host while both versions' figures are counted, so that wadm can compare them and promote
 * or drop it. The share is dealt by credit, not by chance (every invocation adds `weight`, one
 * that reaches 100 goes to the canary), so 10% is exactly one in ten even over a short window.
 */
import type { CanaryStatus, VersionFigures } from '../protocol/schemas/canary.js';
import type { Version } from './versions.js';

/** Histogram buckets 20% apart from 50 µs: bucket 99 is about an hour, beyond any deadline. */
const BUCKETS = 100;
const BASE_MS = 0.05;
const GROWTH = Math.log(1.2);

/** Counts of one version: invocations, errors and a latency histogram (no per-call allocation). */
export class FigureCounter {
  requests = 0;
  errors = 0;
  private readonly histogram = new Uint32Array(BUCKETS);

  record(ms: number, failed: boolean): void {
    this.requests++;
    if (failed) this.errors++;
    const i = ms <= BASE_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / BASE_MS) / GROWTH));
    this.histogram[i]!++;
  }

  /** The figures so far; a percentile is the upper bound of the bucket that holds its rank. */
  figures(): VersionFigures {
    return { requests: this.requests, errors: this.errors, p50_ms: this.percentile(0.5), p99_ms: this.percentile(0.99) };
  }

  private percentile(q: number): number {
    if (this.requests === 0) return 0;
    const rank = Math.ceil(q * this.requests);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.histogram[i]!;
      if (seen >= rank) return Math.round(BASE_MS * Math.exp(GROWTH * i) * 1000) / 1000;
    }
    return 0;
  }
}

export class Canary {
  private credit = 0;
  readonly since = new Date();
  readonly stable = new FigureCounter();
  readonly canary = new FigureCounter();

  constructor(
    readonly version: Version,
    readonly weight: number,
  ) {}

  /** Whether the next invocation goes to the canary. */
  pick(): boolean {
    this.credit += this.weight;
    if (this.credit < 100) return false;
    this.credit -= 100;
    return true;
  }

  status(): CanaryStatus {
    return {
      image_ref: this.version.image.imageRef,
      weight: this.weight,
      since: this.since.toISOString(),
      stable: this.stable.figures(),
      canary: this.canary.figures(),
    };
  }
}

/** An answer that counts as an error besides a failed invocation: an HTTP 5xx. */
export function isServerError(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { status?: unknown }).status === 'number' && (value as { status: number }).status >= 500
  );
}
