/**
 * In-process `wasi:http/types` (preview2-shim keeps its request/response constructors private,
 * docs/architecture.md, fact 5) and `wasi:http/outgoing-handler`, which sends the guest's request to the
 * host's import handler (the http-client provider) over the bridge: the head at `handle`, the
 * body as the guest writes it (see OutgoingTransport).
 */
import type { HttpRequest, HttpResponse } from '../../worker-messages.js';
import { HostTrap, InputStream, IoError, OutputStream, Pollable } from './io.js';
import { invocation } from '../invocation-state.js';

type Method = { tag: string; val?: string };
const METHODS = ['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch'];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toMethod(name: string): Method {
  const lower = name.toLowerCase();
  return METHODS.includes(lower) ? { tag: lower } : { tag: 'other', val: name };
}
function fromMethod(m: Method): string {
  return m.tag === 'other' ? (m.val ?? 'GET') : m.tag.toUpperCase();
}

const VALID_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export class Fields {
  private list: Array<[string, Uint8Array]> = [];
  immutable = false;

  static fromList(entries: Array<[string, Uint8Array]>): Fields {
    const f = new Fields();
    for (const [name, value] of entries) {
      if (!VALID_NAME.test(name)) throw { tag: 'invalid-syntax' };
      f.list.push([name.toLowerCase(), value]);
    }
    return f;
  }
  private checkMutable(name: string): void {
    if (this.immutable) throw { tag: 'immutable' };
    if (!VALID_NAME.test(name)) throw { tag: 'invalid-syntax' };
  }
  get(name: string): Uint8Array[] {
    const n = name.toLowerCase();
    return this.list.filter(([k]) => k === n).map(([, v]) => v);
  }
  has(name: string): boolean {
    const n = name.toLowerCase();
    return this.list.some(([k]) => k === n);
  }
  set(name: string, values: Uint8Array[]): void {
    this.checkMutable(name);
    const n = name.toLowerCase();
    this.list = this.list.filter(([k]) => k !== n).concat(values.map((v) => [n, v] as [string, Uint8Array]));
  }
  delete(name: string): void {
    this.checkMutable(name);
    const n = name.toLowerCase();
    this.list = this.list.filter(([k]) => k !== n);
  }
  append(name: string, value: Uint8Array): void {
    this.checkMutable(name);
    this.list.push([name.toLowerCase(), value]);
  }
  entries(): Array<[string, Uint8Array]> {
    return this.list.map(([k, v]) => [k, v]);
  }
  clone(): Fields {
    const f = new Fields();
    f.list = this.entries();
    return f;
  }
  /** For the host: header pairs with string values. */
  toPairs(): Array<[string, string]> {
    return this.list.map(([k, v]) => [k, decoder.decode(v)]);
  }
  static fromPairs(pairs: HttpRequest['headers']): Fields {
    const entries = Array.isArray(pairs) ? pairs : Object.entries(pairs ?? {});
    const f = new Fields();
    for (const [k, v] of entries) f.list.push([k.toLowerCase(), encoder.encode(v)]);
    return f;
  }
}

export class IncomingBody {
  private streamTaken = false;
  /** The whole body, or a function opening the host-side stream it arrives on. */
  constructor(private readonly data: Uint8Array | (() => InputStream)) {}
  stream(): InputStream {
    if (this.streamTaken) throw undefined;
    this.streamTaken = true;
    return typeof this.data === 'function' ? this.data() : new InputStream(this.data);
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

export class FutureTrailers {
  subscribe(): Pollable {
    return new Pollable();
  }
  get(): unknown {
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

export class IncomingRequest {
  private consumed = false;
  private readonly fields: Fields;
  /** `openBody`: the body streams from the host instead of being `request.body`. */
  constructor(
    private readonly request: HttpRequest,
    private readonly openBody?: () => InputStream,
  ) {
    this.fields = Fields.fromPairs(request.headers);
    this.fields.immutable = true;
  }
  method(): Method {
    return toMethod(this.request.method);
  }
  pathWithQuery(): string | undefined {
    return this.request.pathWithQuery;
  }
  scheme(): { tag: string } | undefined {
    return this.request.scheme === 'https' ? { tag: 'HTTPS' } : { tag: 'HTTP' };
  }
  authority(): string | undefined {
    return this.request.authority ?? 'localhost';
  }
  headers(): Fields {
    return this.fields;
  }
  consume(): IncomingBody {
    if (this.consumed) throw undefined;
    this.consumed = true;
    if (this.openBody) return new IncomingBody(this.openBody);
    const body = this.request.body;
    return new IncomingBody(typeof body === 'string' ? encoder.encode(body) : (body ?? new Uint8Array(0)));
  }
}

/**
 * Collects a body written by the guest, refusing more than `limit` bytes. Once `streamTo` is
 * called, what was collected and every later write go to that function instead.
 */
export class BodyCollector {
  chunks: Uint8Array[] = [];
  size = 0;
  overflowed = false;
  private forward: ((bytes: Uint8Array) => void) | null = null;
  /** Runs once when what was collected passes `watchLimit` bytes (see OutgoingResponse.watch). */
  private watcher: { limit: number; fn: () => void } | null = null;
  constructor(readonly limit: number) {}
  sink = (bytes: Uint8Array): boolean => {
    if (this.size + bytes.length > this.limit) {
      this.overflowed = true;
      return false;
    }
    this.size += bytes.length;
    // The guest's memory view is reused by the glue: keep a copy.
    if (this.forward) this.forward(bytes.slice());
    else this.chunks.push(bytes.slice());
    if (this.watcher && this.size > this.watcher.limit) {
      const { fn } = this.watcher;
      this.watcher = null;
      fn();
    }
    return true;
  };
  watch(limit: number, fn: () => void): void {
    this.watcher = { limit, fn };
  }
  streamTo(forward: (bytes: Uint8Array) => void): void {
    this.forward = forward;
    for (const chunk of this.chunks.splice(0)) forward(chunk);
  }
  /** What was collected (nothing once the body streams). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

export class OutgoingBody {
  private writeTaken = false;
  finished = false;
  /** Runs at `finish` (a streamed request body ends there). */
  onFinish: (() => void) | null = null;
  constructor(readonly collector: BodyCollector) {}
  write(): OutputStream {
    if (this.writeTaken) throw undefined;
    this.writeTaken = true;
    return new OutputStream(this.collector.sink);
  }
  static finish(body: OutgoingBody, _trailers: Fields | undefined): void {
    body.finished = true;
    body.onFinish?.();
  }
}

export class OutgoingResponse {
  status = 200;
  private bodyTaken: OutgoingBody | null = null;
  constructor(private readonly fields: Fields) {
    fields.immutable = true;
  }
  statusCode(): number {
    return this.status;
  }
  setStatusCode(code: number): void {
    if (code < 100 || code > 599) throw undefined;
    this.status = code;
  }
  headers(): Fields {
    return this.fields;
  }
  private forward: ((bytes: Uint8Array) => void) | null = null;
  private watcher: { limit: number; fn: () => void } | null = null;
  body(): OutgoingBody {
    if (this.bodyTaken) throw undefined;
    this.bodyTaken = new OutgoingBody(new BodyCollector(invocation.current.bodyLimit));
    if (this.forward) this.bodyTaken.collector.streamTo(this.forward);
    else if (this.watcher) this.bodyTaken.collector.watch(this.watcher.limit, this.watcher.fn);
    return this.bodyTaken;
  }
  /** Calls `fn` once the body collected so far passes `limit` bytes. */
  watch(limit: number, fn: () => void): void {
    this.watcher = { limit, fn };
    this.bodyTaken?.collector.watch(limit, fn);
  }
  get collected(): OutgoingBody | null {
    return this.bodyTaken;
  }
  /** From now on the body's bytes go to `forward` as they are written (a streamed response). */
  streamTo(forward: (bytes: Uint8Array) => void): void {
    this.forward = forward;
    this.bodyTaken?.collector.streamTo(forward);
  }
}

type ResponseResult = { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: unknown };

export class ResponseOutparam {
  result: ResponseResult | null = null;
  /** Streams the response from `set` on (set by the invocation; the guest never sees it). */
  onSet: ((response: OutgoingResponse) => void) | null = null;
  static set(param: ResponseOutparam, response: ResponseResult): void {
    if (param.result) throw new HostTrap('response-outparam.set called twice');
    param.result = response;
    if (response.tag === 'ok') param.onSet?.(response.val);
  }
}

/**
 * A request body the host streams: each read is a `read(id, len)` bridge call that blocks until
 * bytes arrive. A failed body (above the size limit, the client went away) is a
 * `last-operation-failed` error for the guest.
 */
export class HostBodyStream extends InputStream {
  constructor(private readonly read_: (len: bigint) => Uint8Array) {
    super();
  }
  override read(len: bigint): Uint8Array {
    try {
      return this.read_(len);
    } catch (error) {
      const payload = (error as { payload?: { tag?: string; val?: unknown } } | null)?.payload;
      if (payload?.tag === 'last-operation-failed') throw { tag: 'last-operation-failed', val: new IoError(String(payload.val)) };
      throw error;
    }
  }
  override blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  override skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  override blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
}

export class OutgoingRequest {
  methodValue: Method = { tag: 'get' };
  path: string | undefined = undefined;
  schemeValue: { tag: string; val?: string } | undefined = undefined;
  authorityValue: string | undefined = undefined;
  private bodyTaken: OutgoingBody | null = null;
  constructor(private readonly fields: Fields) {
    fields.immutable = true;
  }
  body(): OutgoingBody {
    if (this.bodyTaken) throw undefined;
    this.bodyTaken = new OutgoingBody(new BodyCollector(invocation.current.bodyLimit));
    return this.bodyTaken;
  }
  method(): Method {
    return this.methodValue;
  }
  setMethod(m: Method): void {
    this.methodValue = m;
  }
  pathWithQuery(): string | undefined {
    return this.path;
  }
  setPathWithQuery(p: string | undefined): void {
    this.path = p;
  }
  scheme(): { tag: string; val?: string } | undefined {
    return this.schemeValue;
  }
  setScheme(s: { tag: string; val?: string } | undefined): void {
    this.schemeValue = s;
  }
  authority(): string | undefined {
    return this.authorityValue;
  }
  setAuthority(a: string | undefined): void {
    this.authorityValue = a;
  }
  headers(): Fields {
    return this.fields;
  }
  /** The body, if the guest took it (it is sent separately, as it is written). */
  get takenBody(): OutgoingBody | null {
    return this.bodyTaken;
  }
  /** The request without its body, for the host. */
  head(): OutgoingHead {
    const scheme = this.schemeValue?.tag === 'HTTPS' ? 'https' : this.schemeValue?.tag === 'other' ? (this.schemeValue.val ?? 'http') : 'http';
    const path = this.path ?? '/';
    return {
      method: fromMethod(this.methodValue),
      pathWithQuery: path,
      scheme: scheme === 'https' ? 'https' : 'http',
      url: `${scheme}://${this.authorityValue ?? ''}${path}`,
      headers: this.fields.toPairs(),
      ...(this.authorityValue === undefined ? {} : { authority: this.authorityValue }),
    };
  }
}

export class RequestOptions {
  private timeouts: Record<string, bigint | undefined> = {};
  connectTimeout(): bigint | undefined {
    return this.timeouts.connect;
  }
  setConnectTimeout(d: bigint | undefined): void {
    this.timeouts.connect = d;
  }
  firstByteTimeout(): bigint | undefined {
    return this.timeouts.firstByte;
  }
  setFirstByteTimeout(d: bigint | undefined): void {
    this.timeouts.firstByte = d;
  }
  betweenBytesTimeout(): bigint | undefined {
    return this.timeouts.betweenBytes;
  }
  setBetweenBytesTimeout(d: bigint | undefined): void {
    this.timeouts.betweenBytes = d;
  }
}

export class IncomingResponse {
  private consumed = false;
  private readonly fields: Fields;
  /** `openBody`: the body streams from the host instead of being `response.body`. */
  constructor(
    private readonly response: HttpResponse,
    private readonly openBody?: () => InputStream,
  ) {
    this.fields = Fields.fromPairs(response.headers);
    this.fields.immutable = true;
  }
  status(): number {
    return this.response.status;
  }
  headers(): Fields {
    return this.fields;
  }
  consume(): IncomingBody {
    if (this.consumed) throw undefined;
    this.consumed = true;
    return new IncomingBody(this.openBody ?? this.response.body);
  }
}

/** Answers the response when the guest first asks for it (blocking until its head arrives). */
export class FutureIncomingResponse {
  private outcome: unknown = undefined;
  private taken = false;
  constructor(private readonly send: () => unknown) {}
  subscribe(): Pollable {
    return new Pollable();
  }
  get(): unknown {
    if (this.taken) return { tag: 'err', val: undefined };
    if (this.outcome === undefined) this.outcome = this.send();
    this.taken = true;
    return { tag: 'ok', val: this.outcome };
  }
}

export type OutgoingHead = Omit<HttpRequest, 'body'> & { url: string };

/**
 * How the outgoing handler performs a request (through the bridge): `start` sends the head and
 * answers an id at once; the body follows as the guest writes it (`write`, then `end` at
 * `outgoing-body.finish`); `response` blocks until the response head (or the error-code).
 */
export interface OutgoingTransport {
  start(head: OutgoingHead): number;
  write(exchange: number, bytes: Uint8Array): void;
  end(exchange: number): void;
  response(exchange: number): { tag: 'ok'; val: IncomingResponse } | { tag: 'err'; val: unknown };
}

export function httpImports(transport: OutgoingTransport): Record<string, Record<string, unknown>> {
  return {
    'wasi:http/types': {
      Fields,
      IncomingRequest,
      OutgoingRequest,
      RequestOptions,
      ResponseOutparam,
      IncomingResponse,
      IncomingBody,
      FutureTrailers,
      OutgoingResponse,
      OutgoingBody,
      FutureIncomingResponse,
      httpErrorCode: () => undefined,
    },
    'wasi:http/outgoing-handler': {
      handle: (request: OutgoingRequest, _options: RequestOptions | undefined) => {
        const exchange = transport.start(request.head());
        const body = request.takenBody;
        let ended = false;
        const end = (): void => {
          if (ended) return;
          ended = true;
          transport.end(exchange);
        };
        if (!body) {
          end();
        } else {
          // What was written before `handle` goes first; later writes go as they happen.
          body.collector.streamTo((bytes) => transport.write(exchange, bytes));
          if (body.finished) end();
          else body.onFinish = end;
        }
        // `get` blocks, so a body still open then is taken as complete (as before streaming):
        // waiting for a `finish` that can only come after `get` would never end.
        return new FutureIncomingResponse(() => {
          end();
          return transport.response(exchange);
        });
      },
    },
  };
}
