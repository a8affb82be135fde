import type { Link } from '../../protocol/mod.js';
import { Registry, type CounterSeries, type Counter, type Histogram, type HistogramSeries, type LabelValues } from './registry.js';

/** The series of one component or one link, kept by the caller so an update is two increments. */
export interface CallSeries {
  calls: CounterSeries;
  errors: CounterSeries;
  duration: HistogramSeries;
}

/** What the metrics read from the host when scraped (supplied by host/assemble.ts). */
export interface HostState {
  info(): { hostId: string; name: string; lattice: string; version: string };
  connected(): boolean;
  runtime?(): ReturnType<import('../../runtime/runtime.js').ComponentRuntime['stats']>;
  providers?(): Array<{ id: string; healthy: boolean | null }>;
}

/**
 * Every metric a host serves at `--metrics-address` (docs/observability.md lists them). Names follow
 * Prometheus conventions: `lattice_` prefix, base units (seconds), `_total` for counters. Host
 * identity is one `lattice_host_info` series rather than labels on every series: join on the
 * scrape target's labels, as Prometheus' own exporters do.
 */
export class HostMetrics {
  readonly registry = new Registry();
  private readonly componentCalls: Counter;
  private readonly componentErrors: Counter;
  private readonly componentDuration: Histogram;
  private readonly linkCalls: Counter;
  private readonly linkErrors: Counter;
  private readonly linkDuration: Histogram;
  private readonly hostCallDuration: Histogram;
  private readonly workerServed: Counter;
  readonly natsReconnects: CounterSeries;
  private readonly components = new Map<string, CallSeries>();
  private readonly links = new Map<string, CallSeries>();
  private readonly hostCalls = new Map<string, HistogramSeries>();
  private state: HostState | null = null;

  constructor() {
    const r = this.registry;
    r.gauge('lattice_host_info', 'The host: id, friendly name, lattice and version (always 1).', ['host_id', 'name', 'lattice', 'version'], () => {
      const s = this.state?.info();
      return s ? [[[s.hostId, s.name, s.lattice, s.version], 1]] : [];
    });
    this.componentCalls = r.counter('lattice_component_invocations_total', 'Invocations of a component on this host.', ['component']);
    this.componentErrors = r.counter('lattice_component_invocation_errors_total', 'Invocations of a component that failed (trap, deadline, busy, WIT error).', [
      'component',
    ]);
    this.componentDuration = r.histogram(
      'lattice_component_invocation_duration_seconds',
      'Time from an invocation reaching the component to its answer (head of a streamed HTTP answer).',
      ['component'],
    );
    const linkLabels = ['source', 'target', 'namespace', 'package', 'link'];
    this.linkCalls = r.counter('lattice_link_invocations_total', 'Calls made from this host through a link.', linkLabels);
    this.linkErrors = r.counter('lattice_link_invocation_errors_total', 'Calls through a link that failed or answered a WIT error.', linkLabels);
    this.linkDuration = r.histogram('lattice_link_invocation_duration_seconds', 'Round trip of a call through a link, in process or over NATS.', linkLabels);
    this.workerServed = r.counter(
      'lattice_worker_ingress_requests_total',
      'HTTP requests a runtime worker accepted and served itself (worker ingress), by component; also counted in the component and link series.',
      ['component'],
    );
    this.hostCallDuration = r.histogram(
      'lattice_host_call_duration_seconds',
      'Round trip of a host call from a guest (an import served by the host), by interface.',
      ['interface'],
    );
    this.natsReconnects = r.counter('lattice_nats_reconnects_total', 'Times the host reconnected to NATS.').labels();
    r.gauge('lattice_nats_connected', 'Whether the host is connected to NATS (1) or reconnecting (0).', [], () =>
      this.state ? [[[], this.state.connected() ? 1 : 0]] : [],
    );
    const runtime = () => this.state?.runtime?.();
    r.gauge('lattice_component_max_instances', 'Max concurrent instances of a component on this host.', ['component'], () =>
      (runtime()?.components ?? []).map((c): [LabelValues, number] => [[c.id], c.maxInstances]),
    );
    r.gauge('lattice_component_active_instances', 'Instances of a component running an invocation now.', ['component'], () =>
      (runtime()?.components ?? []).map((c): [LabelValues, number] => [[c.id], c.running]),
    );
    r.gauge('lattice_component_queued_invocations', 'Invocations waiting for a free instance of a component.', ['component'], () =>
      (runtime()?.components ?? []).map((c): [LabelValues, number] => [[c.id], c.queued]),
    );
    r.gauge('lattice_runtime_spare_instances', 'Pre-instantiated instances ready in idle workers, per component.', ['component'], () =>
      (runtime()?.components ?? []).map((c): [LabelValues, number] => [[c.id], c.spares]),
    );
    r.gauge('lattice_runtime_workers', 'Worker threads by state: idle, busy (running a guest), blocked (a guest waiting on a host call).', ['state'], () => {
      const w = runtime()?.workers;
      return w
        ? [
            [['idle'], w.idle],
            [['busy'], w.busy],
            [['blocked'], w.blocked],
          ]
        : [];
    });
    r.gauge('lattice_provider_healthy', 'Last health check of a provider: 1 healthy, 0 unhealthy (absent before the first check).', ['provider'], () =>
      (this.state?.providers?.() ?? []).filter((p) => p.healthy !== null).map((p): [LabelValues, number] => [[p.id], p.healthy ? 1 : 0]),
    );
  }

  /** Connects the scrape-time gauges to the host. */
  attach(state: HostState): void {
    this.state = state;
  }

  component(id: string): CallSeries {
    let s = this.components.get(id);
    if (!s) {
      s = { calls: this.componentCalls.labels(id), errors: this.componentErrors.labels(id), duration: this.componentDuration.labels(id) };
      this.components.set(id, s);
    }
    return s;
  }

  /**
   * Adds what a runtime worker served itself on an http-server route (worker ingress: those
   * requests pass neither the link router nor the runtime's own counting) to the series of the
   * component and of the link.
   */
  addWorkerStats(route: { target: string; link: Link }, stats: { calls: number; errors: number; buckets: number[]; sum: number }): void {
    this.workerServed.labels(route.target).inc(stats.calls);
    for (const series of [this.component(route.target), this.link(route.link)]) {
      series.calls.inc(stats.calls);
      series.errors.inc(stats.errors);
      series.duration.merge(stats.buckets, stats.sum, stats.calls);
    }
  }

  /** Drops a stopped component's series. */
  forgetComponent(id: string): void {
    this.components.delete(id);
    this.componentCalls.remove(id);
    this.componentErrors.remove(id);
    this.componentDuration.remove(id);
  }

  link(link: Link): CallSeries {
    const key = `${link.source_id}\u0000${link.wit_namespace}\u0000${link.wit_package}\u0000${link.name}\u0000${link.target}`;
    let s = this.links.get(key);
    if (!s) {
      const labels = [link.source_id, link.target, link.wit_namespace, link.wit_package, link.name];
      s = { calls: this.linkCalls.labels(...labels), errors: this.linkErrors.labels(...labels), duration: this.linkDuration.labels(...labels) };
      this.links.set(key, s);
    }
    return s;
  }

  hostCall(iface: string): HistogramSeries {
    let s = this.hostCalls.get(iface);
    if (!s) this.hostCalls.set(iface, (s = this.hostCallDuration.labels(iface)));
    return s;
  }

  render(): string {
    return this.registry.render();
  }
}
