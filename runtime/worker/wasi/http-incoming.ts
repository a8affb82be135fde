/**
 * The incoming-handler side of `wasi:http/types`: the request the guest is handed and the response
 * it sets on its `response-outparam`, which the invocation reads back or streams.
 */
import type { HttpRequest } from '../../worker-messages.js';
import { invocation } from '../invocation-state.js';
import { BodyCollector, IncomingBody, OutgoingBody } from './http-body.js';
import { Fields, type Method, toMethod } from './http-fields.js';
import { HostTrap, type InputStream } from './io.js';

const encoder = new TextEncoder();

/**
 * What an incoming request and an incoming response share: immutable headers and a body the guest
 * may consume once, whole or streamed from the host (`openBody`).
 */
export abstract class IncomingMessage {
  private consumed = false;
  private readonly fields: Fields;
  constructor(
    headers: HttpRequest['headers'],
    private readonly body: () => IncomingBody,
  ) {
    this.fields = Fields.fromPairs(headers);
    this.fields.immutable = true;
  }
  headers(): Fields {
    return this.fields;
  }
  consume(): IncomingBody {
    if (this.consumed) throw undefined;
    this.consumed = true;
    return this.body();
  }
}

export class IncomingRequest extends IncomingMessage {
  /** `openBody`: the body streams from the host instead of being `request.body`. */
  constructor(
    private readonly request: HttpRequest,
    openBody?: () => InputStream,
  ) {
    super(request.headers, () => {
      if (openBody) return new IncomingBody(openBody);
      const body = request.body;
      return new IncomingBody(typeof body === 'string' ? encoder.encode(body) : (body ?? new Uint8Array(0)));
    });
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
