/**
 * Tracing as the request path sees it: one flag and a few functions. Nothing here imports
 * OpenTelemetry: the SDK is loaded (lib/telemetry/otel.ts) only when an OTLP endpoint is
 * configured, and until then `tracing.on` is false and instrumented code does no tracing work
 * at all (no span objects, no header, no allocation): every call site checks the flag first.
 *
 * Spans are created with explicit parents (a W3C `traceparent` string), never from an ambient
 * context: an invocation's context has to cross worker threads, NATS hops and provider
 * processes, where only an explicit value travels.
 */

/** The kinds OpenTelemetry knows; numbers as in `@opentelemetry/api`'s SpanKind. */
export const SpanKind = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 } as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export type Attributes = Record<string, string | number | boolean | undefined>;

/** A started span (`startTime`, epoch ms, back-dates it). `traceparent` is what its children (local or remote) take as parent. */
export interface LatticeSpan {
  readonly traceparent: string;
  setAttribute(key: string, value: string | number | boolean): void;
  /** Ends the span; an error marks it failed and is recorded as an exception event. */
  end(error?: unknown): void;
}

/** What the SDK side implements (lib/telemetry/otel.ts). */
export interface SpanFactory {
  start(name: string, kind: SpanKind, parent: string | undefined, attributes: Attributes, startTime?: number): LatticeSpan;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** `tracing.on` is read on every request: keep it a plain property of a plain object. */
export const tracing: { on: boolean; factory: SpanFactory | null } = { on: false, factory: null };

/**
 * Starts a span. Call only when `tracing.on` (call sites check it, so that nothing, not even the
 * attributes object, is built when tracing is off).
 */
export function startSpan(name: string, kind: SpanKind, parent: string | undefined, attributes: Attributes, startTime?: number): LatticeSpan {
  return tracing.factory!.start(name, kind, parent, attributes, startTime);
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The trace and span ids of a W3C traceparent, or null when it is not one. */
export function traceIds(traceparent: string | undefined): { traceId: string; spanId: string } | null {
  if (!traceparent) return null;
  const m = TRACEPARENT.exec(traceparent);
  return m ? { traceId: m[1]!, spanId: m[2]! } : null;
}

/** Log fields that tie a log line to its trace (`trace_id`, `span_id`: OpenTelemetry's names in JSON logs). */
export function traceLogFields(traceparent: string | undefined): { trace_id: string; span_id: string } | undefined {
  const ids = traceIds(traceparent);
  return ids ? { trace_id: ids.traceId, span_id: ids.spanId } : undefined;
}

/**
 * Attribute names. OpenTelemetry's semantic conventions where one exists (`rpc.*`, `http.*`),
 * `lattice.*` for the platform's own names, as wasmCloud's host uses `lattice`, `host` and
 * `component` attributes.
 */
export const Attr = {
  lattice: 'lattice.name',
  host: 'lattice.host.id',
  component: 'lattice.component.id',
  provider: 'lattice.provider.id',
  source: 'lattice.source.id',
  target: 'lattice.target.id',
  link: 'lattice.link.name',
  interface: 'lattice.interface',
  function: 'lattice.function',
  app: 'wadm.application',
  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
} as const;
