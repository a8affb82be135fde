/** The shape every benchmark of the suite shares: a name, a time bound, and markdown-ready rows. */
export interface BenchContext {
  /** Tiny durations and counts: checks that the benchmark still executes, asserts no timing. */
  smoke: boolean;
  /** Progress on stderr (the table goes to stdout). */
  log(message: string): void;
}

export interface Section {
  /** Heading of the section in the report. */
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  /** Lines printed under the table: baseline, method, ratios worth a sentence. */
  notes: string[];
}

export interface Benchmark {
  name: string;
  /** Short description for `--list`. */
  summary: string;
  /** Upper bound of one full run in seconds; the runner aborts the benchmark past it. */
  timeoutS: number;
  /** Left out of a full run (still in `--smoke`): runs only when named, e.g. the soak. */
  explicitOnly?: boolean;
  run(ctx: BenchContext): Promise<Section[]>;
}

/** Fixed-point formatting for tables: `fmt(1234.567)` = "1,235", `fmt(0.0123, 3)` = "0.012". */
export function fmt(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio as a percentage of the baseline: `pct(250, 1000)` = "25%". */
export function pct(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return 'n/a';
  const p = (100 * value) / baseline;
  return `${p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
