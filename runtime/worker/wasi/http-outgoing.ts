/**
 * The outgoing side of `wasi:http`: the request the guest builds, the response it gets back, and
 * `wasi:http/outgoing-handler`, which sends the request to the host's import handler (the
 * http-client provider) over the bridge: the head at `handle`, the body as the guest writes it
 * (see OutgoingTransport).
 */
import type { HttpRequest, HttpResponse } from '../../worker-messages.js';
import { invocation } from '../invocation-state.js';
import { BodyCollector, IncomingBody, OutgoingBody } from './http-body.js';
import { type Fields, fromMethod, type Method } from './http-fields.js';
import { IncomingMessage } from './http-incoming.js';
import { type InputStream, Pollable } from './io.js';

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

export class IncomingResponse extends IncomingMessage {
  /** `openBody`: the body streams from the host instead of being `response.body`. */
  constructor(
    private readonly response: HttpResponse,
    openBody?: () => InputStream,
  ) {
    super(response.headers, () => new IncomingBody(openBody ?? response.body));
  }
  status(): number {
    return this.response.status;
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
  /** The response, or under JSPI a promise of it the guest is suspended on (jspi-plan.ts). */
  get(): unknown {
    if (this.taken) return { tag: 'err', val: undefined };
    this.taken = true;
    if (this.outcome === undefined) this.outcome = this.send();
    if (this.outcome instanceof Promise) return this.outcome.then((outcome: unknown) => ({ tag: 'ok', val: outcome }));
    return { tag: 'ok', val: this.outcome };
  }
}

export type OutgoingHead = Omit<HttpRequest, 'body'> & { url: string };

/**
 * How the outgoing handler performs a request (through the bridge): `start` sends the head and
 * answers an id at once; the body follows as the guest writes it (`write`, then `end` at
 * `outgoing-body.finish`); `response` blocks until the response head (or the error-code), or,
 * for a guest whose glue suspends (JSPI), answers a promise of it.
 */
export type ResponseOutcome = { tag: 'ok'; val: IncomingResponse } | { tag: 'err'; val: unknown };

export interface OutgoingTransport {
  start(head: OutgoingHead): number;
  write(exchange: number, bytes: Uint8Array): void;
  end(exchange: number): void;
  response(exchange: number, suspend: boolean): ResponseOutcome | Promise<ResponseOutcome>;
}

/**
 * `wasi:http/outgoing-handler#handle`: the head goes at once, the body as the guest writes it,
 * and the response is asked for when the guest first wants it.
 */
export function outgoingHandler(transport: OutgoingTransport): (request: OutgoingRequest, options: RequestOptions | undefined) => FutureIncomingResponse {
  return (request, _options) => {
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
      return transport.response(exchange, invocation.current.suspends);
    });
  };
}
