/**
 * HTTP bodies that stream between the main thread and a worker during one in-process invocation:
 * the runtime's side of the in-process stream transport (protocol/streams/in-process.ts). A
 * request body is exported to the worker, whose guest reads it through `read` bridge calls on
 * `BODY_IFACE`; a response body arrives as `http-chunk` messages into a ResponseBody, the worker
 * blocking on a `drain` bridge call every HIGH_WATER bytes it sends.
 */
import { ResponseBody, WorkerSources } from '../protocol/streams/in-process.js';
import { type ByteStream, isByteStream } from '../protocol/streams/ref.js';
import type { ImportHandler } from './host-calls.js';

/** Internal interface of the body bridge calls; never forwarded to the import handler. */
export const BODY_IFACE = 'lattice:runtime/http-body';

/** A response whose body is whole, or streams and ends when the invocation ends. */
export interface StreamingHttpResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array | ByteStream;
}

/** A `wasi:http/outgoing-handler` request in flight: its body queue and the handler's answer. */
interface Exchange {
  body: ResponseBody;
  answer: Promise<unknown>;
  source?: number;
}

/** Bodies of the invocations in flight, by id; serves the workers' `BODY_IFACE` calls. */
export class HttpStreams {
  private nextId = 1;
  /**
   * Request bodies (and outgoing requests' response bodies) the workers read. One is released
   * when its invocation ends, which tells its producer to stop: a body that crossed the lattice
   * would otherwise hold its producer until the stream's idle limit. Owners whose `return` must
   * not destroy anything make it harmless (the http-server's request body only stops reading, so
   * the socket still carries the answer).
   */
  readonly sources = new WorkerSources();
  private readonly responses = new Map<number, { body: ResponseBody; onHead(status: number, headers: Array<[string, string]>): void }>();
  private readonly exchanges = new Map<number, Exchange>();

  /**
   * @param importHandler serves outgoing requests (`wasi:http/outgoing-handler#handle`); the
   *   request and response bodies stream through it as AsyncIterables, in this process or across
   *   the lattice (protocol/streams/nats-exporter.ts, nats-importer.ts)
   */
  constructor(private readonly importHandler?: ImportHandler) {}

  /** Registers a response to stream; `onHead` runs when the guest sets it. */
  addResponse(body: ResponseBody, onHead: (status: number, headers: Array<[string, string]>) => void): number {
    const id = this.nextId++;
    this.responses.set(id, { body, onHead });
    return id;
  }

  head(id: number, status: number, headers: Array<[string, string]>): void {
    this.responses.get(id)?.onHead(status, headers);
  }

  chunk(id: number, bytes: Uint8Array): void {
    this.responses.get(id)?.body.push(bytes);
  }

  removeResponse(id: number): void {
    this.responses.delete(id);
  }

  /** The bridge handler for `BODY_IFACE` (same contract as an ImportHandler). */
  readonly handler = async (_componentId: string, _iface: string, fn: string, args: unknown[]): Promise<unknown> => {
    if (fn === 'read') return this.sources.read(args[0] as number, Number(args[1]));
    if (fn === 'drain') return this.responses.get(args[0] as number)?.body.drained();
    if (fn === 'send') return this.send(_componentId, args[0] as string, args[1] as string, args[2] as Record<string, unknown>);
    if (fn === 'end') return this.exchanges.get(args[0] as number)?.body.end();
    if (fn === 'response') return this.response(args[0] as number);
    throw new Error(`unknown body call ${fn}`);
  };

  /**
   * Starts an outgoing request whose body the worker sends next (`http-chunk` messages with
   * `drain` waits, then `end`), and answers its id at once so the guest can write the body while
   * the request is on its way. The body goes to the import handler as it is written.
   */
  private send(componentId: string, iface: string, linkName: string, head: Record<string, unknown>): number {
    const body = new ResponseBody();
    const id = this.addResponse(body, () => undefined);
    const handler = this.importHandler;
    const answer = (async () => {
      if (!handler) throw new Error(`no import handler is configured for ${iface}#handle`);
      return handler(componentId, iface, 'handle', [{ ...head, body }], { linkName });
    })();
    // A refused request never reads its body: the guest's further writes are dropped, not blocked.
    answer.catch((error: unknown) => body.abort(error instanceof Error ? error : new Error(String(error))));
    this.exchanges.set(id, { body, answer });
    return id;
  }

  /** The handler's answer: whole, or with `bodyStream`, a source the guest reads through `read`. */
  private async response(id: number): Promise<unknown> {
    const exchange = this.exchanges.get(id);
    if (!exchange) throw new Error(`outgoing request ${id} is unknown`);
    const value = (await exchange.answer) as { status: number; headers: Array<[string, string]>; body: unknown };
    if (!isByteStream(value.body)) return value;
    exchange.source = this.sources.export(value.body);
    return { status: value.status, headers: value.headers, body: new Uint8Array(0), bodyStream: exchange.source };
  }

  /**
   * Ends an outgoing request when its invocation ends: a body the guest did not finish is
   * aborted, and a response body it did not read to the end is closed (its connection released).
   */
  closeExchange(id: number): void {
    const exchange = this.exchanges.get(id);
    if (!exchange) return;
    this.exchanges.delete(id);
    this.responses.delete(id);
    exchange.body.abort(new Error('the invocation ended before the request body was finished'));
    if (exchange.source !== undefined) this.sources.release(exchange.source);
  }
}
