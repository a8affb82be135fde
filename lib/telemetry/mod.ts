/** Tracing (OpenTelemetry over OTLP, off unless configured). Metrics live in host/metrics/. */
export { Attr, SpanKind, startSpan, traceIds, traceLogFields, tracing, type Attributes, type LatticeSpan } from './tracing.js';
export { flushTracing, initTracing, shutdownTracing, tracingRequested } from './init.js';
