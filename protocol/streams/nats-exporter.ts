import { headers, nuid, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { InvocationHeader } from '../invocation.js';
import { maxChunkSize, splitChunks } from '../rpc/chunks.js';
import { invocation } from '../subjects.js';
import { beatInterval, grantedCredit, idleLimit } from './flow.js';
import { StreamHeader } from './nats-wire.js';
import { type ByteStream, StreamRef } from './ref.js';
import { type ExportOptions, type StreamExporter, stopProducer } from './transport.js';

/**
 * The sending side of the NATS byte-stream transport (nats-wire.ts): a connection exports a body
 * under a subject of its own and sends it to whoever pulls, no faster than they grant credit.
 */

interface Outgoing {
  iterator: AsyncIterator<Uint8Array>;
  subject: string;
  idleMs: number;
  inbox: string | null;
  credit: number;
  seq: number;
  pumping: boolean;
  closed: boolean;
  /** Fires when the consumer has been silent for idleMs (never pulled, or stopped granting). */
  idle: NodeJS.Timeout;
  /** The invocation's trace context, sent with every data and end message (only when traced). */
  traceparent: string | undefined;
  /** Called once when the stream is over (ended, failed, cancelled, dropped or given up). */
  onDone: (() => void) | undefined;
}

/**
 * The streams one connection exports in one lattice, served on one wildcard subscription.
 * One per (connection, lattice): see `exporterFor`.
 */
export class NatsStreamExporter implements StreamExporter<StreamRef> {
  private readonly id = nuid.next();
  private readonly streams = new Map<string, Outgoing>();
  private sub: Subscription | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly lattice: string,
    private readonly log?: Logger,
  ) {}

  /**
   * Exports BODY and returns the reference to send in its place. The trace context travels in
   * the headers of the stream's messages; `onDone` runs once the stream is over, however it ends
   * (a server stopping gracefully waits for its response bodies).
   */
  export(body: ByteStream, options: ExportOptions = {}): StreamRef {
    const { traceparent, onDone } = options;
    // Subscribing before the invocation that carries the reference is published is enough: the
    // server handles one connection's operations in order.
    this.sub ??= this.nc.subscribe(invocation.streamWildcard(this.lattice, this.id), {
      callback: (err, msg) => (err ? this.log?.error({ err }, 'stream subscription failed') : this.onConsumer(msg)),
    });
    const id = nuid.next();
    const subject = invocation.stream(this.lattice, this.id, id);
    const idle = idleLimit(options.idleMs);
    const stream: Outgoing = {
      iterator: body[Symbol.asyncIterator](),
      subject,
      idleMs: idle,
      inbox: null,
      credit: 0,
      seq: 0,
      pumping: false,
      closed: false,
      idle: setTimeout(() => this.close(id, stream.inbox ? 'the reader went silent' : 'no reader came'), idle).unref(),
      traceparent,
      onDone,
    };
    this.streams.set(id, stream);
    return new StreamRef(subject, idle);
  }

  /** Streams exported and not finished (for tests and leak checks). */
  get open(): number {
    return this.streams.size;
  }

  private onConsumer(msg: Msg): void {
    const id = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
    const stream = this.streams.get(id);
    if (!stream) {
      if (msg.reply) this.send(msg.reply, StreamHeader.error, 'unknown stream (expired, finished or never exported)');
      return;
    }
    if (msg.headers?.get(StreamHeader.cancel)) {
      this.close(id, 'cancelled by the reader');
      return;
    }
    if (msg.reply) stream.inbox ??= msg.reply;
    stream.credit += grantedCredit(msg.headers?.get(StreamHeader.credit));
    stream.idle.refresh();
    if (stream.credit > 0) void this.pump(id, stream);
  }

  private async pump(id: string, stream: Outgoing): Promise<void> {
    if (stream.pumping || !stream.inbox) return;
    stream.pumping = true;
    const inbox = stream.inbox;
    try {
      while (stream.credit > 0 && !stream.closed) {
        const next = await this.nextWithBeats(stream, inbox);
        if (stream.closed) return;
        if (next.done) {
          this.send(inbox, StreamHeader.end, String(stream.seq), stream.traceparent);
          this.forget(id, stream);
          return;
        }
        for (const piece of splitChunks(next.value, maxChunkSize(this.nc))) {
          const h = headers();
          h.set(StreamHeader.seq, String(stream.seq++));
          if (stream.traceparent) h.set(InvocationHeader.traceparent, stream.traceparent);
          this.nc.publish(inbox, piece, { headers: h });
          stream.credit--;
        }
      }
    } catch (error) {
      this.send(inbox, StreamHeader.error, error instanceof Error ? error.message : String(error));
      this.forget(id, stream);
    } finally {
      stream.pumping = false;
    }
  }

  /** The iterator's next chunk; keep-alives go out while the producer takes its time. */
  private async nextWithBeats(stream: Outgoing, inbox: string): Promise<IteratorResult<Uint8Array>> {
    const beat = setInterval(() => this.send(inbox, StreamHeader.beat, '1'), beatInterval(stream.idleMs));
    beat.unref();
    try {
      return await stream.iterator.next();
    } finally {
      clearInterval(beat);
    }
  }

  private send(to: string, header: string, value: string, traceparent?: string): void {
    const h = headers();
    h.set(header, value);
    if (traceparent) h.set(InvocationHeader.traceparent, traceparent);
    try {
      this.nc.publish(to, new Uint8Array(0), { headers: h });
    } catch (error) {
      this.log?.debug({ err: error }, 'stream message not sent');
    }
  }

  /**
   * Forgets REF without touching its producer: the call that carried it failed before anyone
   * read it, and the producer's owner cleans up after the failed call itself.
   */
  drop(ref: StreamRef): void {
    const id = ref.subject.slice(ref.subject.lastIndexOf('.') + 1);
    const stream = this.streams.get(id);
    if (stream && !stream.inbox) this.forget(id, stream);
  }

  /** Gives a stream up early: its producer is told to stop (iterator `return`). */
  private close(id: string, why: string): void {
    const stream = this.streams.get(id);
    if (!stream) return;
    this.log?.debug({ subject: stream.subject, why }, 'byte stream closed early');
    if (stream.inbox && why !== 'cancelled by the reader') this.send(stream.inbox, StreamHeader.error, why);
    this.forget(id, stream);
    stopProducer(stream.iterator);
  }

  private forget(id: string, stream: Outgoing): void {
    stream.closed = true;
    clearTimeout(stream.idle);
    this.streams.delete(id);
    const done = stream.onDone;
    stream.onDone = undefined;
    done?.();
  }
}

const exporters = new WeakMap<NatsConnection, Map<string, NatsStreamExporter>>();

/** The exporter of NC in LATTICE, created on first use and living as long as the connection. */
export function exporterFor(nc: NatsConnection, lattice: string, log?: Logger): NatsStreamExporter {
  let byLattice = exporters.get(nc);
  if (!byLattice) exporters.set(nc, (byLattice = new Map()));
  let exporter = byLattice.get(lattice);
  if (!exporter) byLattice.set(lattice, (exporter = new NatsStreamExporter(nc, lattice, log)));
  return exporter;
}
