/**
 * HTTP body routing around the generic pool: the host calls on `BODY_IFACE` (a streamed request
 * body read, a `drain` wait, an outgoing request and its body) are the runtime's own and go to
 * the bodies in flight (http-streams.ts), never to the import handler; the worker's `http-head`
 * and `http-chunk` messages feed the streamed responses; and the outgoing requests an invocation
 * started end with it. Everything else is the import handler's.
 */
import type { CallingSlot, HostCalls, ImportHandler } from './host-calls.js';
import { BODY_IFACE, HttpStreams } from './http-streams.js';
import type { HostCall } from './invocation.js';
import type { HostCallReply, WorkerToMain } from './worker-messages.js';

export class HttpBodies implements HostCalls {
  /** HTTP bodies streaming to and from invocations in flight. */
  readonly streams: HttpStreams;
  /** Outgoing HTTP requests the invocation running on a slot started, until it ends. */
  private readonly exchanges = new Map<CallingSlot, number[]>();

  constructor(readonly importHandler: ImportHandler) {
    this.streams = new HttpStreams(importHandler);
  }

  handlerFor(iface: string): ImportHandler {
    return iface === BODY_IFACE ? this.streams.handler : this.importHandler;
  }

  message(message: WorkerToMain): void {
    if (message.type === 'http-head') this.streams.head(message.stream, message.status, message.headers);
    else if (message.type === 'http-chunk') this.streams.chunk(message.stream, message.bytes);
  }

  answered(slot: CallingSlot, call: HostCall, reply: HostCallReply): void {
    if (call.iface !== BODY_IFACE || call.fn !== 'send' || !reply.ok) return;
    const started = this.exchanges.get(slot);
    if (started) started.push(reply.value as number);
    else this.exchanges.set(slot, [reply.value as number]);
  }

  ended(slot: CallingSlot): void {
    // Most invocations start no outgoing request: nothing to look up then.
    if (this.exchanges.size === 0) return;
    const started = this.exchanges.get(slot);
    if (!started) return;
    this.exchanges.delete(slot);
    for (const id of started) this.streams.closeExchange(id);
  }
}
