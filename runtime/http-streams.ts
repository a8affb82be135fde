/**
 * HTTP bodies that stream between the main thread and a worker during one in-process invocation.
 * The request body is a host-side input stream the guest reads through bridge calls on
 * `BODY_IFACE`; the response body arrives as `http-chunk` messages, and the worker blocks on a
 * `drain` bridge call whenever it has sent `HIGH_WATER` bytes since its last one, so a large
 * response never queues whole on the main thread.
 */
import { WitError } from './errors.js';
import type { ImportHandler } from './host-calls.js';

/** Internal interface of the body bridge calls; never forwarded to the import handler. */
export const BODY_IFACE = 'lattice:runtime/http-body';
/** Bytes the worker may send before it waits for the consumer (also the drain threshold). */
export const HIGH_WATER = 1 << 20;

/** A request body the guest reads while it arrives; `error` explains an early end. */
export interface BodySource {
  iterator: AsyncIterator<Uint8Array>;
  pending: Uint8Array | null;
  done: boolean;
  error: Error | null;
}

/** A response whose body is whole, or streams and ends when the invocation ends. */
export interface StreamingHttpResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array | AsyncIterable<Uint8Array>;
}

/**
 * The body of a streamed response on the main thread: chunks are queued as the worker posts
 * them and handed to one consumer. `end` and `abort` come from the invocation's outcome.
 */
export class ResponseBody implements AsyncIterable<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly drainWaiters: Array<() => void> = [];

  /** Bytes received from the worker and not yet taken by the consumer. */
  get queuedBytes(): number {
    return this.queued;
  }

  push(bytes: Uint8Array): void {
    if (this.ended || this.failure) return;
    this.queue.push(bytes);
    this.queued += bytes.length;
    this.signal();
  }

  end(): void {
    this.ended = true;
    this.signal();
    this.releaseDrain();
  }

  abort(error: Error): void {
    if (this.ended) return;
    this.failure = error;
    this.queue.length = 0;
    this.queued = 0;
    this.signal();
    this.releaseDrain();
  }

  /** Resolves once the consumer has taken enough that the worker may send more. */
  drained(): Promise<void> {
    if (this.queued < HIGH_WATER || this.ended || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private releaseDrain(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for (;;) {
        if (this.failure) throw this.failure;
        const chunk = this.queue.shift();
        if (chunk) {
          this.queued -= chunk.length;
          if (this.queued < HIGH_WATER) this.releaseDrain();
          yield chunk;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // A consumer that stops early (the client went away): drop the rest, never block the guest.
      if (!this.ended && !this.failure) this.abort(new Error('the response body was abandoned by its reader'));
    }
  }
}

/** A `wasi:http/outgoing-handler` request in flight: its body queue and the handler's answer. */
interface Exchange {
  body: ResponseBody;
  answer: Promise<unknown>;
  source?: number;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Bodies of the invocations in flight, by id; serves the workers' `BODY_IFACE` calls. */
export class HttpStreams {
  private nextId = 1;
  private readonly sources = new Map<number, BodySource>();
  private readonly responses = new Map<number, { body: ResponseBody; onHead(status: number, headers: Array<[string, string]>): void }>();
  private readonly exchanges = new Map<number, Exchange>();

  /**
   * @param importHandler serves outgoing requests (`wasi:http/outgoing-handler#handle`); the
   *   request and response bodies stream through it as AsyncIterables, in this process or across
   *   the lattice (protocol/rpc/streams.ts)
   */
  constructor(private readonly importHandler?: ImportHandler) {}

  addSource(body: AsyncIterable<Uint8Array>): number {
    const id = this.nextId++;
    this.sources.set(id, { iterator: body[Symbol.asyncIterator](), pending: null, done: false, error: null });
    return id;
  }

  /**
   * Forgets a request body when its invocation ends, and tells its producer to stop (iterator
   * `return`): a body that crossed the lattice would otherwise hold its producer until the
   * stream's idle limit. Owners whose `return` must not destroy anything make it harmless (the
   * http-server's request body only stops reading, so the socket still carries the answer).
   */
  removeSource(id: number): void {
    const source = this.sources.get(id);
    this.sources.delete(id);
    if (source && !source.done)
      void Promise.resolve()
        .then(() => source.iterator.return?.())
        .catch(() => undefined);
  }

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
    if (fn === 'read') return this.read(args[0] as number, Number(args[1]));
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
    if (!isAsyncIterable(value.body)) return value;
    exchange.source = this.addSource(value.body);
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
    if (exchange.source === undefined) return;
    const source = this.sources.get(exchange.source);
    this.sources.delete(exchange.source);
    if (source && !source.done) void source.iterator.return?.().catch(() => undefined);
  }

  private async read(id: number, len: number): Promise<Uint8Array> {
    const source = this.sources.get(id);
    if (!source) throw new WitError({ tag: 'closed' });
    if (len <= 0) return new Uint8Array(0);
    if (!source.pending && !source.done) {
      try {
        const next = await source.iterator.next();
        if (next.done) source.done = true;
        else source.pending = next.value;
      } catch (error) {
        source.done = true;
        source.error = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (source.error) throw new WitError({ tag: 'last-operation-failed', val: source.error.message });
    const chunk = source.pending;
    if (!chunk) throw new WitError({ tag: 'closed' });
    const take = Math.min(len, chunk.length);
    source.pending = take < chunk.length ? chunk.subarray(take) : null;
    return take < chunk.length ? chunk.slice(0, take) : chunk;
  }
}
