export { HostMetrics, type CallSeries, type HostState } from './host-metrics.js';
export { Registry, Counter, Histogram, Gauge, LATENCY_BUCKETS, PROMETHEUS_CONTENT_TYPE } from './registry.js';
export { serveMetrics, parseAddress, MetricsServerError, type MetricsServer } from './server.js';
export { wadmMeter } from './wadm-metrics.js';
