/**
 * The in-process transport of byte streams, between a host's main thread and a component's
 * worker (the bridge calls and messages that carry it are the runtime's: runtime/http-streams.ts).
 *
 * - Main thread -> worker (a request body, an outgoing request's response body): the main thread
 *   exports the stream under a number, and the worker pulls it with `read` bridge calls, one
 *   chunk per call, so nothing is read before the guest asks.
 * - Worker -> main thread (a response body, an outgoing request's body): the worker posts chunks
 *   into a ResponseBody queue and, every HIGH_WATER bytes, waits until the reader has drained it
 *   below HIGH_WATER (flow.ts), so a large body never queues whole on the main thread.
 *
 * No idle limit: both ends are in one process, and the invocation's deadline bounds the worker.
 */
import { WitError } from '../wit-error.js';
import { mayResume } from './flow.js';
import type { ByteStream } from './ref.js';
import { type StreamExporter, stopProducer } from './transport.js';

/** A stream the worker reads while it arrives; `error` explains an early end. */
interface Source {
  iterator: AsyncIterator<Uint8Array>;
  pending: Uint8Array | null;
  done: boolean;
  error: Error | null;
}

/** The streams the main thread serves to its workers, by number. */
export class WorkerSources implements StreamExporter<number> {
  private nextId = 1;
  private readonly sources = new Map<number, Source>();

  export(body: ByteStream): number {
    const id = this.nextId++;
    this.sources.set(id, { iterator: body[Symbol.asyncIterator](), pending: null, done: false, error: null });
    return id;
  }

  get open(): number {
    return this.sources.size;
  }

  /**
   * Forgets stream ID and tells its producer to stop (iterator `return`) unless it ended: a body
   * that crossed the lattice would otherwise hold its producer until the stream's idle limit.
   */
  release(id: number): void {
    const source = this.sources.get(id);
    this.sources.delete(id);
    if (source && !source.done) stopProducer(source.iterator);
  }

  /**
   * At most LEN bytes of stream ID for the worker's `read`. Errors are wasi:io stream errors:
   * `closed` at the end (or for an unknown stream), `last-operation-failed` when the producer
   * failed.
   */
  async read(id: number, len: number): Promise<Uint8Array> {
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

/**
 * A body a worker streams to the main thread: chunks are queued as the worker posts them and
 * handed to one reader. `end` and `abort` come from the invocation's outcome.
 */
export class ResponseBody implements ByteStream {
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
    if (mayResume(this.queued) || this.ended || this.failure) return Promise.resolve();
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
          if (mayResume(this.queued)) this.releaseDrain();
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
