/**
 * One run of `wasi:http/incoming-handler#handle` on an instance: the request (its body whole or
 * read through the bridge), and the response answered whole or streamed to a sink once the guest
 * blocks or writes a lot.
 */
import { drainDue } from '../../protocol/streams/flow.js';
import { BODY_IFACE } from '../http-streams.js';
import type { HttpRequest, HttpResponse, InstanceSettings, WorkerToMain } from '../worker-messages.js';
import type { BridgeClient } from './bridge-client.js';
import { InvocationFailure } from './invocation-failure.js';
import type { InvocationState } from './invocation-state.js';
import { HostBodyStream } from './wasi/http-body.js';
import { IncomingRequest, type OutgoingResponse, ResponseOutparam } from './wasi/http-incoming.js';

/** Where a streamed HTTP answer goes: the main thread (postingSink) or a socket (worker ingress). */
export interface ResponseSink {
  head(status: number, headers: Array<[string, string]>): void;
  chunk(bytes: Uint8Array): void;
}

/** How a request's body reaches the guest, and where a streamed response goes (none: whole). */
export interface IncomingOptions {
  bodyStream?: number;
  sink?: ResponseSink;
}

/** A response body larger than this streams to the main thread instead of travelling whole. */
export const STREAM_AFTER = 64 * 1024;

/**
 * Runs the incoming handler. The answer is collected and returned whole unless the guest blocks
 * after setting its response (a host call, a sleep) or writes more than STREAM_AFTER: then the
 * head and the body so far go to `sink` at once and later writes as they happen
 * (`state.streamed`). Without a sink the answer is always whole. A request body arrives whole
 * in `request` or, with `bodyStream`, through the bridge as the guest reads it.
 */
export function handleIncoming(
  handle: (...args: unknown[]) => unknown,
  request: HttpRequest,
  opts: IncomingOptions,
  state: InvocationState,
  settings: InstanceSettings,
  bridge: BridgeClient,
): HttpResponse | Promise<HttpResponse> {
  const out = new ResponseOutparam();
  const { bodyStream, sink } = opts;
  if (sink) {
    let pending: OutgoingResponse | null = null;
    const flush = (): void => {
      if (!pending || state.streamed) return;
      state.streamed = true;
      sink.head(pending.statusCode(), pending.headers().toPairs());
      pending.streamTo(sink.chunk);
    };
    out.onSet = (response) => {
      pending = response;
      response.watch(STREAM_AFTER, flush);
    };
    state.beforeBlocking = flush;
  }
  const openBody =
    bodyStream === undefined
      ? undefined
      : () =>
          new HostBodyStream(
            (len) => bridge.call(settings.componentId, BODY_IFACE, 'read', [bodyStream, len]) as Uint8Array,
            (len) => bridge.callAsync(settings.componentId, BODY_IFACE, 'read', [bodyStream, len]) as Promise<Uint8Array>,
          );
  const done = handle(new IncomingRequest(request, openBody), out);
  return done instanceof Promise ? done.then(() => answerOf(out, settings)) : answerOf(out, settings);
}

/** The response the handler set, once it returned. */
function answerOf(out: ResponseOutparam, settings: InstanceSettings): HttpResponse {
  const result = out.result;
  if (!result) throw new InvocationFailure({ kind: 'trap', message: 'the handler returned without setting a response' });
  if (result.tag === 'err') {
    return { status: 500, headers: [['content-type', 'text/plain']], body: new TextEncoder().encode(`component error: ${JSON.stringify(result.val)}`) };
  }
  const response = result.val;
  const collector = response.collected?.collector;
  if (collector?.overflowed) {
    throw new InvocationFailure({
      kind: 'response-too-large',
      message: `the response body exceeded the component's ${settings.maxResponseBytes} byte limit`,
    });
  }
  return { status: response.statusCode(), headers: response.headers().toPairs(), body: collector?.bytes() ?? new Uint8Array(0) };
}

/**
 * A sink that posts a streamed answer to the main thread (`http-head`, then an `http-chunk`
 * per write). Every HIGH_WATER bytes the guest waits (a `drain` bridge call) until the main
 * thread's consumer has caught up (protocol/streams/flow.ts).
 */
export function postingSink(post: (message: WorkerToMain) => void, bridge: BridgeClient, componentId: string, stream: number): ResponseSink {
  let unsynced = 0;
  return {
    head: (status, headers) => post({ type: 'http-head', stream, status, headers }),
    chunk: (bytes) => {
      post({ type: 'http-chunk', stream, bytes });
      unsynced += bytes.length;
      if (drainDue(unsynced)) {
        unsynced = 0;
        bridge.call(componentId, BODY_IFACE, 'drain', [stream]);
      }
    },
  };
}
