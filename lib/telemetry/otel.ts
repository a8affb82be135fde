/**
 * The OpenTelemetry side of tracing, loaded only when an exporter is configured: the Node SDK
 * configured from the standard `OTEL_*` environment variables (endpoint, protocol
 * `http/protobuf` (default), `http/json` or `grpc`, headers, sampler, batch settings, resource
 * attributes, service name), exporting spans over OTLP. Metrics and logs are not exported
 * through OpenTelemetry: metrics are Prometheus text (`--metrics-address`), logs are pino lines
 * carrying `trace_id` and `span_id`.
 */
import { ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Attributes, LatticeSpan, SpanFactory, SpanKind } from './tracing.js';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function parentContext(traceparent: string | undefined) {
  if (!traceparent) return ROOT_CONTEXT;
  const m = TRACEPARENT.exec(traceparent);
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return ROOT_CONTEXT;
  const parent: SpanContext = { traceId: m[2]!, spanId: m[3]!, traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED, isRemote: true };
  return trace.setSpanContext(ROOT_CONTEXT, parent);
}

function clean(attributes: Attributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v;
  return out;
}

class OtelSpan implements LatticeSpan {
  readonly traceparent: string;
  constructor(private readonly span: Span) {
    const c = span.spanContext();
    this.traceparent = `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
  }

  setAttribute(key: string, value: string | number | boolean): void {
    this.span.setAttribute(key, value);
  }

  end(error?: unknown): void {
    if (error !== undefined) {
      const message = error instanceof Error ? error.message : typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
      this.span.setStatus({ code: SpanStatusCode.ERROR, message });
      if (error instanceof Error) this.span.recordException(error);
    }
    this.span.end();
  }
}

class OtelFactory implements SpanFactory {
  constructor(
    private readonly sdk: NodeSDK,
    private readonly tracer: Tracer,
  ) {}

  start(name: string, kind: SpanKind, parent: string | undefined, attributes: Attributes, startTime?: number): LatticeSpan {
    return new OtelSpan(this.tracer.startSpan(name, { kind, attributes: clean(attributes), startTime }, parentContext(parent)));
  }

  async flush(): Promise<void> {
    const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
    await provider.getDelegate?.().forceFlush?.();
  }

  shutdown(): Promise<void> {
    return this.sdk.shutdown();
  }
}

/**
 * Starts the SDK. `serviceName` applies unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES
 * name the service (the environment wins, as the specification says).
 */
export function startOtel(serviceName: string, resource: Record<string, string>, version: string): SpanFactory {
  const envNamesService = process.env.OTEL_SERVICE_NAME !== undefined || /(^|,)\s*service\.name=/.test(process.env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const sdk = new NodeSDK({
    serviceName: envNamesService ? undefined : serviceName,
    resource: resourceFromAttributes({ 'service.version': version, ...resource }),
    // Only traces: no OpenTelemetry metric readers or log processors (see the module comment).
    metricReaders: [],
    logRecordProcessors: [],
    // Parents are explicit (tracing.ts): no ambient context manager, so no async hooks cost.
    contextManager: null as unknown as undefined,
  });
  sdk.start();
  return new OtelFactory(sdk, trace.getTracer('lattice', version));
}
