/**
 * A small Prometheus registry. Why not prom-client: its labelled `inc()`/`observe()` hash the
 * label values on every call; here a series is looked up once (the caller keeps it, per component
 * or per link) and updating it is a number increment, which is what the request path can afford.
 * Gauges are computed when scraped, from the state the host keeps anyway.
 * Exposition: Prometheus text format 0.0.4.
 */

export type LabelValues = readonly string[];

/** Seconds; spans a fast in-process call (~50 us) to a slow remote one (10 s, the default deadline). */
export const LATENCY_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labelText(names: readonly string[], values: LabelValues, extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new TypeError(`metric name ${JSON.stringify(name)} is not a Prometheus name`);
    for (const l of labelNames) if (!LABEL.test(l) || l.startsWith('__')) throw new TypeError(`label name ${JSON.stringify(l)} is not valid`);
  }
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  abstract samples(): string[];

  render(): string {
    const lines = this.samples();
    if (lines.length === 0) return '';
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n${lines.join('\n')}\n`;
  }

  protected checkLabels(values: LabelValues): void {
    if (values.length !== this.labelNames.length) {
      throw new TypeError(`${this.name} takes ${this.labelNames.length} label values (${this.labelNames.join(', ')}), got ${values.length}`);
    }
  }
}

/** One counter series; `value` only ever grows. */
export class CounterSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class Counter extends Metric {
  readonly type = 'counter';
  private readonly series = new Map<string, { labels: LabelValues; series: CounterSeries }>();

  /** The series of these label values (created at zero); keep it rather than asking again. */
  labels(...values: string[]): CounterSeries {
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (!entry) {
      this.checkLabels(values);
      this.series.set(key, (entry = { labels: values, series: new CounterSeries() }));
    }
    return entry.series;
  }

  /** Forgets a series (a component that stopped), so the exposition does not grow forever. */
  remove(...values: string[]): void {
    this.series.delete(values.join('\u0000'));
  }

  samples(): string[] {
    return [...this.series.values()].map(({ labels, series }) => `${this.name}${labelText(this.labelNames, labels)} ${formatValue(series.value)}`);
  }
}

export class HistogramSeries {
  /** Non-cumulative counts per bucket; the last is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Adds observations made elsewhere over the same bounds (non-cumulative bucket counts). */
  merge(counts: readonly number[], sum: number, count: number): void {
    for (let i = 0; i < this.counts.length && i < counts.length; i++) this.counts[i]! += counts[i]!;
    this.sum += sum;
    this.count += count;
  }
}

export class Histogram extends Metric {
  readonly type = 'histogram';
  private readonly series = new Map<string, { labels: LabelValues; series: HistogramSeries }>();

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly bounds: readonly number[] = LATENCY_BUCKETS,
  ) {
    super(name, help, labelNames);
  }

  labels(...values: string[]): HistogramSeries {
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (!entry) {
      this.checkLabels(values);
      this.series.set(key, (entry = { labels: values, series: new HistogramSeries(this.bounds) }));
    }
    return entry.series;
  }

  remove(...values: string[]): void {
    this.series.delete(values.join('\u0000'));
  }

  samples(): string[] {
    const out: string[] = [];
    for (const { labels, series } of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += series.counts[i]!;
        const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf';
        out.push(`${this.name}_bucket${labelText(this.labelNames, labels, ['le', le])} ${cumulative}`);
      }
      out.push(`${this.name}_sum${labelText(this.labelNames, labels)} ${formatValue(series.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, labels)} ${series.count}`);
    }
    return out;
  }
}

/** A metric read when scraped: `collect` returns the current value of each series. */
abstract class Collected extends Metric {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly collect: () => Iterable<[LabelValues, number]>,
  ) {
    super(name, help, labelNames);
  }

  samples(): string[] {
    const out: string[] = [];
    for (const [labels, value] of this.collect()) out.push(`${this.name}${labelText(this.labelNames, labels)} ${formatValue(value)}`);
    return out;
  }
}

/** A gauge read when scraped. */
export class Gauge extends Collected {
  readonly type = 'gauge';
}

/** A counter whose value is read when scraped (a total kept elsewhere). */
export class CollectedCounter extends Collected {
  readonly type = 'counter';
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  register<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new TypeError(`metric ${metric.name} is registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(new Counter(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], bounds?: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, labelNames, bounds));
  }

  gauge(name: string, help: string, labelNames: readonly string[], collect: () => Iterable<[LabelValues, number]>): Gauge {
    return this.register(new Gauge(name, help, labelNames, collect));
  }

  collectedCounter(name: string, help: string, labelNames: readonly string[], collect: () => Iterable<[LabelValues, number]>): CollectedCounter {
    return this.register(new CollectedCounter(name, help, labelNames, collect));
  }

  /** The whole exposition; a collector that throws is left out, not the scrape. */
  render(): string {
    let text = '';
    for (const metric of this.metrics.values()) {
      try {
        text += metric.render();
      } catch {
        // one broken collector must not hide every other metric
      }
    }
    return text;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
