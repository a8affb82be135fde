/**
 * http-hello: answers every request with a greeting. `GET /?name=Ada` greets Ada.
 *
 * This component implements `wasi:http/incoming-handler` itself, typed by the declarations
 * `lattice build` generates from the world. Unlike the fetch-event style (see kv-counter), an
 * explicit handler leaves the instance reusable, so a host may serve many requests with it.
 */
import { log } from 'wasi:logging/logging@0.1.0-draft';
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam, type IncomingRequest } from 'wasi:http/types@0.2.10';

const encoder = new TextEncoder();

export function greeting(name: string | null): string {
  const who = name && name.trim() !== '' ? name.trim() : 'World';
  return `Hello, ${who}! (from a lattice TypeScript component)\n`;
}

export const incomingHandler = {
  handle(request: IncomingRequest, responseOut: ResponseOutparam): void {
    const url = new URL(request.pathWithQuery() ?? '/', 'http://component.invalid');
    log('info', 'http-hello', `${request.method().tag.toUpperCase()} ${url.pathname}`);

    const response = new OutgoingResponse(Fields.fromList([['content-type', encoder.encode('text/plain; charset=utf-8')]]));
    response.setStatusCode(200);
    const body = response.body();
    // Headers go out first; the body streams after.
    ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
    const out = body.write();
    // One write suffices: a greeting is far below wasi:io's 4096-byte limit per call.
    out.blockingWriteAndFlush(encoder.encode(greeting(url.searchParams.get('name'))));
    out[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
  },
};
