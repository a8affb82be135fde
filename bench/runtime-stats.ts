/** Shared helpers of the runtime benchmarks: sampling and percentile summaries in microseconds. */
export interface Summary {
  n: number;
  mean_us: number;
  p50_us: number;
  p99_us: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { n: samples.length, mean_us: +mean.toFixed(2), p50_us: +pick(0.5).toFixed(2), p99_us: +pick(0.99).toFixed(2) };
}

/** Runs `fn` `warmup` times, then `n` times sequentially, returning each duration in microseconds. */
export async function sample(n: number, warmup: number, fn: () => unknown): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1_000);
  }
  return out;
}
