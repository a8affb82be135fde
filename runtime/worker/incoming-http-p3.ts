/**
 * One run of a WASIp3 component's `wasi:http/handler#handle` (runtime/wasip3.ts). The handler is
 * a component-model async export: it hands its response back (task.return) before it writes the
 * body, and goes on writing the body's stream and the trailers future after. So the invocation
 * lasts until the body has ended and the trailers are read: only then is the instance free for
 * another request. The answer travels whole unless the guest is slow to write (a read does not
 * complete within the event-loop turn) or writes more than STREAM_AFTER: then the head and the
 * body so far go to the sink, and the rest as it comes (as incoming-http.ts does for WASI 0.2).
 */
import { concatBytes } from '../../lib/bytes.js';
import { BODY_IFACE } from '../http-streams.js';
import type { HttpRequest, HttpResponse, InstanceSettings } from '../worker-messages.js';
import type { BridgeClient } from './bridge-client.js';
import { STREAM_AFTER, type IncomingOptions } from './incoming-http.js';
import { InvocationFailure } from './invocation-failure.js';
import type { InvocationState } from './invocation-state.js';
import { p3Answer, p3Request } from './wasi/http-p3.js';

const READ_CHUNK = 64 * 1024;

function payloadOf(error: unknown): { tag?: unknown } | undefined {
  if (typeof error !== 'object' || error === null || !('payload' in error)) return undefined;
  const payload = (error as { payload: unknown }).payload;
  return typeof payload === 'object' && payload !== null ? payload : { tag: payload };
}

/** A request body the host did not send whole, read through the bridge as the guest reads it. */
async function* hostBody(bridge: BridgeClient, componentId: string, stream: number): AsyncGenerator<Uint8Array> {
  for (;;) {
    try {
      yield (await bridge.callAsync(componentId, BODY_IFACE, 'read', [stream, READ_CHUNK])) as Uint8Array;
    } catch (error) {
      if (payloadOf(error)?.tag === 'closed') return;
      throw error;
    }
  }
}

/** True when `pending` settles before the event loop's next turn (the guest did not have to wait). */
function settlesThisTurn(pending: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    pending.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => setImmediate(resolve, false)),
  ]);
}

export async function handleP3(
  handle: (...args: unknown[]) => unknown,
  request: HttpRequest,
  opts: IncomingOptions,
  state: InvocationState,
  settings: InstanceSettings,
  bridge: BridgeClient,
): Promise<HttpResponse> {
  const { bodyStream, sink } = opts;
  const readBody = bodyStream === undefined ? undefined : () => hostBody(bridge, settings.componentId, bodyStream);
  let response: unknown;
  try {
    response = await handle(p3Request(request, readBody));
  } catch (error) {
    // `err(error-code)`: jco throws it with the payload, as a WASI 0.2 handler's `err` is answered.
    const payload = payloadOf(error);
    if (!payload) throw error;
    return { status: 500, headers: [['content-type', 'text/plain']], body: new TextEncoder().encode(`component error: ${JSON.stringify(payload)}`) };
  }
  const answer = p3Answer(response as Parameters<typeof p3Answer>[0]);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const flush = (): void => {
    state.streamed = true;
    sink!.head(answer.status, answer.headers);
    for (const chunk of chunks.splice(0)) sink!.chunk(chunk);
  };
  for (;;) {
    const pending = answer.read();
    if (sink && !state.streamed && (size > STREAM_AFTER || !(await settlesThisTurn(pending)))) flush();
    const chunk = await pending;
    if (chunk === null) break;
    if (state.streamed) {
      sink!.chunk(chunk);
      continue;
    }
    chunks.push(chunk);
    size += chunk.length;
    if (!sink && size > settings.maxResponseBytes) {
      throw new InvocationFailure({
        kind: 'response-too-large',
        message: `the response body exceeded the component's ${settings.maxResponseBytes} byte limit`,
      });
    }
  }
  await answer.finish();
  return { status: answer.status, headers: answer.headers, body: chunks.length === 1 ? chunks[0]! : concatBytes(chunks) };
}
