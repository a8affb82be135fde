import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

/**
 * A small OTLP/HTTP trace receiver on loopback: it accepts `POST /v1/traces` as protobuf
 * (`application/x-protobuf`, OTLP's default) or JSON (`application/json`), gzipped or not, decodes
 * every span it is sent and answers as a collector does (200 with an empty
 * ExportTraceServiceResponse). Tests read the spans to check what hosts exported.
 */

export type AttributeValue = string | number | boolean | bigint | null;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, AttributeValue>;
  /** Attributes of the resource that exported it (service.name, lattice.host.id...). */
  resource: Record<string, AttributeValue>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Requests that could not be decoded (a test fails on any). */
  readonly errors: string[] = [];
  readonly contentTypes = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** The value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OtlpReceiver> {
    let receiver: OtlpReceiver | null = null;
    const server = createServer((req, res) => {
      void receiver!.handle(req).then(
        ({ status, body, type }) => res.writeHead(status, { 'content-type': type }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('OTLP receiver has no port');
    receiver = new OtlpReceiver(server, address.port);
    return receiver;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: Uint8Array | string; type: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Buffer = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (req.method !== 'POST' || req.url !== '/v1/traces') return { status: 404, body: '', type: 'text/plain' };
    this.contentTypes.add(type);
    try {
      if (type === 'application/x-protobuf') {
        this.spans.push(...decodeProtobufRequest(body));
        return { status: 200, body: new Uint8Array(0), type };
      }
      if (type === 'application/json') {
        this.spans.push(...decodeJsonRequest(JSON.parse(body.toString('utf8')) as JsonRequest));
        return { status: 200, body: '{}', type };
      }
      this.errors.push(`unsupported content type ${type}`);
      return { status: 415, body: '', type: 'text/plain' };
    } catch (error) {
      this.errors.push(`undecodable ${type} request: ${String(error)}`);
      return { status: 400, body: '', type: 'text/plain' };
    }
  }

  /** Spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

// ---- protobuf (opentelemetry/proto/collector/trace/v1/trace_service.proto and its imports) ----

/** A protobuf wire reader: enough of the format for OTLP's trace messages. */
class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }

  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new Error('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  fixed(n: 4 | 8): Uint8Array {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Calls `field` for each field; skips the wire types it does not read. */
  fields(field: (no: number, wire: number) => boolean): void {
    while (!this.done) {
      const key = Number(this.varint());
      const no = key >>> 3;
      const wire = key & 7;
      if (field(no, wire)) continue;
      if (wire === 0) this.varint();
      else if (wire === 1) this.pos += 8;
      else if (wire === 2) this.bytes();
      else if (wire === 5) this.pos += 4;
      else throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function withFields(buf: Uint8Array, field: (no: number, wire: number, r: Reader) => boolean): void {
  const r = new Reader(buf);
  r.fields((no, wire) => field(no, wire, r));
}

function keyValue(buf: Uint8Array): [string, AttributeValue] {
  let key = '';
  let value: AttributeValue = null;
  withFields(buf, (no, wire, r) => {
    if (no === 1 && wire === 2) key = utf8.decode(r.bytes());
    else if (no === 2 && wire === 2) value = anyValueOf(r.bytes());
    else return false;
    return true;
  });
  return [key, value];
}

function anyValueOf(buf: Uint8Array): AttributeValue {
  let value: AttributeValue = null;
  withFields(buf, (no, wire, r) => {
    if (no === 1 && wire === 2) value = utf8.decode(r.bytes());
    else if (no === 2 && wire === 0) value = r.varint() !== 0n;
    else if (no === 3 && wire === 0) {
      const n = BigInt.asIntN(64, r.varint());
      value = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    } else if (no === 4 && wire === 1) value = Buffer.from(r.fixed(8)).readDoubleLE(0);
    else if (no === 7 && wire === 2) value = hex(r.bytes());
    else return false;
    return true;
  });
  return value;
}

function span(buf: Uint8Array, resource: Record<string, AttributeValue>): ReceivedSpan {
  const out: ReceivedSpan = { traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0, attributes: {}, resource, statusCode: 0, statusMessage: '' };
  withFields(buf, (no, wire, r) => {
    if (no === 1 && wire === 2) out.traceId = hex(r.bytes());
    else if (no === 2 && wire === 2) out.spanId = hex(r.bytes());
    else if (no === 4 && wire === 2) out.parentSpanId = hex(r.bytes());
    else if (no === 5 && wire === 2) out.name = utf8.decode(r.bytes());
    else if (no === 6 && wire === 0) out.kind = Number(r.varint());
    else if (no === 9 && wire === 2) {
      const [k, v] = keyValue(r.bytes());
      out.attributes[k] = v;
    } else if (no === 15 && wire === 2) {
      withFields(r.bytes(), (sno, swire, sr) => {
        if (sno === 2 && swire === 2) out.statusMessage = utf8.decode(sr.bytes());
        else if (sno === 3 && swire === 0) out.statusCode = Number(sr.varint());
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  return out;
}

export function decodeProtobufRequest(buf: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  withFields(buf, (no, wire, r) => {
    if (no !== 1 || wire !== 2) return false;
    // ResourceSpans
    const resource: Record<string, AttributeValue> = {};
    const scopeSpans: Uint8Array[] = [];
    withFields(r.bytes(), (rno, rwire, rr) => {
      if (rno === 1 && rwire === 2) {
        withFields(rr.bytes(), (ano, awire, ar) => {
          if (ano !== 1 || awire !== 2) return false;
          const [k, v] = keyValue(ar.bytes());
          resource[k] = v;
          return true;
        });
      } else if (rno === 2 && rwire === 2) scopeSpans.push(rr.bytes());
      else return false;
      return true;
    });
    for (const scope of scopeSpans) {
      withFields(scope, (sno, swire, sr) => {
        if (sno !== 2 || swire !== 2) return false;
        spans.push(span(sr.bytes(), resource));
        return true;
      });
    }
    return true;
  });
  return spans;
}

// ---- JSON (OTLP/JSON: camelCase fields, hex ids) ----

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  bytesValue?: string;
}
interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}
interface JsonRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: JsonKeyValue[];
        status?: { code?: number; message?: string };
      }>;
    }>;
  }>;
}

function jsonValue(v: JsonAnyValue | undefined): AttributeValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) out[kv.key] = jsonValue(kv.value);
  return out;
}

export function decodeJsonRequest(req: JsonRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: s.traceId.toLowerCase(),
          spanId: s.spanId.toLowerCase(),
          parentSpanId: (s.parentSpanId ?? '').toLowerCase(),
          name: s.name,
          kind: s.kind ?? 0,
          attributes: jsonAttributes(s.attributes),
          resource,
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message ?? '',
        });
      }
    }
  }
  return spans;
}
