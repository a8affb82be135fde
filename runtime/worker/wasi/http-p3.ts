/**
 * WASI 0.3 HTTP for a WASIp3 handler (runtime/wasip3.ts): `wasi:http/types@0.3.x` and one run of
 * `wasi:http/handler#handle`. The resources are preview3-shim's, the host side of wasi:http@0.3
 * that jco's glue is written against (its streams and futures are what the glue hands over).
 * Only the shim's fields, request and response modules are loaded: its client and server start
 * worker threads of their own, and a guest reaches neither (outgoing HTTP is not served to a
 * WASIp3 component; `wasi:http/client` is refused at scale time).
 */
import { _fieldsFromEntriesChecked, Fields } from '@bytecodealliance/preview3-shim/http/fields';
import { Request, RequestOptions } from '@bytecodealliance/preview3-shim/http/request';
import { Response } from '@bytecodealliance/preview3-shim/http/response';
import { future } from '@bytecodealliance/preview3-shim/future';
import { StreamReader } from '@bytecodealliance/preview3-shim/stream';
import type { HttpRequest } from '../../worker-messages.js';

export function httpP3Imports(): Record<string, Record<string, unknown>> {
  return { 'wasi:http/types': { Fields, Request, RequestOptions, Response } };
}

const encoder = new TextEncoder();
const latin1 = new TextDecoder('latin1');

function headerEntries(headers: HttpRequest['headers']): Array<[string, Uint8Array]> {
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers ?? {});
  return pairs.map(([name, value]) => [name.toLowerCase(), encoder.encode(value)]);
}

/**
 * The `request` resource a handler is given. Its headers are the ones the host received, `host`
 * included (as wasmtime hands them over): they are set unchecked, since the guest could not have
 * set them itself. `readBody` streams a body the host did not send whole.
 */
export function p3Request(request: HttpRequest, readBody?: () => AsyncIterable<Uint8Array>): Request {
  const body = request.body;
  const whole = typeof body === 'string' ? encoder.encode(body) : body;
  const contents = readBody ? new StreamReader(readBody()) : new StreamReader(whole && whole.length > 0 ? [whole] : []);
  // No trailers: the host hands request bodies over without them.
  const trailers = future();
  void trailers.tx.write({ tag: 'ok', val: undefined });
  const [req] = Request.new(_fieldsFromEntriesChecked(headerEntries(request.headers)), contents, trailers.rx, null);
  req.setMethod(request.method.toLowerCase());
  req.setPathWithQuery(request.pathWithQuery);
  req.setScheme(request.scheme === 'https' ? { tag: 'HTTPS' } : { tag: 'HTTP' });
  req.setAuthority(request.authority ?? 'localhost');
  return req;
}

/** What the host reads of a handler's response: its head now, its body as the guest writes it. */
export interface P3Answer {
  status: number;
  headers: Array<[string, string]>;
  /** The next chunk of the body, or null at its end. */
  read(): Promise<Uint8Array | null>;
  /** Reads the trailers (ignored: the host's HTTP answers carry none), so the guest's write completes. */
  finish(): Promise<void>;
}

export function p3Answer(response: Response): P3Answer {
  const [body, trailers] = Response.consumeBody(response, future().rx);
  return {
    status: response.getStatusCode(),
    headers: (response.getHeaders().copyAll() as Array<[string, Uint8Array]>).map(([name, value]) => [name, latin1.decode(value)]),
    read: async () => (body ? ((await body.read()) as Uint8Array | null) : null),
    finish: async () => {
      await trailers.read();
    },
  };
}
