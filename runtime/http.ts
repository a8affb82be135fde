/**
 * The runtime's streaming HTTP entry (`ComponentRuntime.streamHttp`): the request body is a
 * source the guest reads as it arrives, and the response resolves at `response-outparam.set`
 * with a body that streams until the invocation ends (http-streams.ts holds the bodies; the
 * worker's body calls and messages reach them through http-bodies.ts).
 */
import { ResponseBody } from '../protocol/streams/in-process.js';
import type { HttpStreams, StreamingHttpResponse } from './http-streams.js';
import type { InvokeMessage } from './invocation.js';
import type { HttpRequest, HttpResponse } from './worker-messages.js';

/** An HTTP request whose body may still be arriving (in-process callers only). */
export type StreamingHttpRequest = Omit<HttpRequest, 'body'> & { body?: HttpRequest['body'] | AsyncIterable<Uint8Array> };

export const INCOMING_HANDLER = 'wasi:http/incoming-handler';

/** Runs one invocation of the component's incoming handler (the runtime's admission and pool). */
export interface HttpRunner<O> {
  run(componentId: string, message: InvokeMessage, options: O, iface: string, fn: string): Promise<unknown>;
}

/**
 * Streams one request through `runner`: resolves with the whole answer when the guest finished
 * before it had to stream, else at the head with a body that ends (or throws) with the invocation.
 */
export function streamHttp<O>(
  runner: HttpRunner<O>,
  streams: HttpStreams,
  componentId: string,
  request: StreamingHttpRequest,
  options: O,
): Promise<StreamingHttpResponse> {
  const { body, ...head } = request;
  const source = body !== undefined && typeof body === 'object' && Symbol.asyncIterator in body ? body : undefined;
  const bodyStream = source ? streams.sources.export(source) : undefined;
  const responseBody = new ResponseBody();
  return new Promise<StreamingHttpResponse>((resolve, reject) => {
    let headSent = false;
    const responseStream = streams.addResponse(responseBody, (status, headers) => {
      headSent = true;
      resolve({ status, headers, body: responseBody });
    });
    const plain: HttpRequest = source ? head : { ...head, body: body as HttpRequest['body'] };
    runner
      .run(componentId, { kind: 'http', request: plain, stream: { bodyStream, responseStream } }, options, INCOMING_HANDLER, 'handle')
      .finally(() => {
        if (bodyStream !== undefined) streams.sources.release(bodyStream);
        streams.removeResponse(responseStream);
      })
      .then(
        (value) => {
          if (headSent) {
            responseBody.end();
            return;
          }
          // The guest finished before its answer had to stream (the common case): whole.
          const whole = value as HttpResponse;
          resolve({ status: whole.status, headers: whole.headers, body: whole.body });
        },
        (error: Error) => {
          if (headSent) responseBody.abort(error);
          else reject(error);
        },
      );
  });
}
