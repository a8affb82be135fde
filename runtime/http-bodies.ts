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
  /** Outgoing HTTP requests the invocations running on a slot started (by invocation id), until they end. */
  private readonly exchanges = new Map<CallingSlot, Map<number, number[]>>();

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
    let bySlot = this.exchanges.get(slot);
    if (!bySlot) this.exchanges.set(slot, (bySlot = new Map()));
    const started = bySlot.get(call.invocation);
    if (started) started.push(reply.value as number);
    else bySlot.set(call.invocation, [reply.value as number]);
  }

  ended(slot: CallingSlot, invocation?: number): void {
    // Most invocations start no outgoing request: nothing to look up then.
    if (this.exchanges.size === 0) return;
    const bySlot = this.exchanges.get(slot);
    if (!bySlot) return;
    // The requests of what the worker's ingress served itself (invocation 0) end with the next
    // invocation that ends there, as they always did: nothing else tells when those end.
    for (const id of invocation === undefined ? [...bySlot.keys()] : [invocation, 0]) {
      for (const exchange of bySlot.get(id) ?? []) this.streams.closeExchange(exchange);
      bySlot.delete(id);
    }
    if (bySlot.size === 0) this.exchanges.delete(slot);
  }
}
