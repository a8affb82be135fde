import { createInbox, headers, nuid, type Msg, type NatsConnection, type Subscription } from 'nats';
import { Connectivity } from '../../lib/connectivity.js';
import type { Logger } from '../../lib/logger.js';
import { StreamBrokenError } from '../invocation-errors.js';
import { InvocationHeader } from '../invocation.js';
import { maxChunkSize, splitChunks } from '../rpc/chunks.js';
import { invocation } from '../subjects.js';
import { beatInterval, creditToGrant, grantedCredit, idleLimit, WINDOW } from './flow.js';
import { type ByteStream, StreamRef } from './ref.js';
import { type ExportOptions, type StreamExporter, type StreamImporter, stopProducer } from './transport.js';

/**
 * The NATS transport of byte streams, between connections. An AsyncIterable<Uint8Array> in the
 * arguments or the result of an invocation (an HTTP request or response body) does not travel
 * in the invocation message: the sending connection exports it and the message carries a
 * StreamRef, which the receiving side turns back into an AsyncIterable that pulls the bytes as
 * its reader asks for them. So a body crosses hosts while it is being produced, and a slow reader
 * slows the writer down.
 *
 * Flow control is credit-based, pull first (flow.ts): the consumer names its inbox and grants
 * WINDOW messages; the producer sends at most that many, the consumer grants more as its reader
 * takes them. Both sides send keep-alives while idle, so a vanished peer is noticed within
 * `idleMs` (the invocation's deadline) and a slow but live one is not cut off. Wire:
 * docs/protocol.md, "Byte streams (HTTP bodies)".
 */

/** Headers of byte-stream messages (docs/protocol.md, "Byte streams (HTTP bodies)"). */
export const StreamHeader = {
  /** Consumer -> producer: how many more messages it may send (0 is a keep-alive). */
  credit: 'Lattice-Stream-Credit',
  /** Consumer -> producer: stop, the reader went away. */
  cancel: 'Lattice-Stream-Cancel',
  /** Producer -> consumer: position of a data message, from 0. */
  seq: 'Lattice-Stream-Seq',
  /** Producer -> consumer: the stream ended after `seq` data messages. */
  end: 'Lattice-Stream-End',
  /** Producer -> consumer: the stream failed; the value says why. */
  error: 'Lattice-Stream-Error',
  /** Producer -> consumer: still producing, nothing to send yet. */
  beat: 'Lattice-Stream-Beat',
} as const;

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

/**
 * The reading side of StreamRefs decoded from one message: each an AsyncIterable that pulls the
 * bytes over NC. Iterating twice is refused (a stream is read once); stopping early tells the
 * producer to stop. TRACEPARENT (the reading invocation's, when traced) travels with the grants.
 */
export class NatsStreamImporter implements StreamImporter<StreamRef> {
  constructor(
    private readonly nc: NatsConnection,
    private readonly traceparent?: string,
  ) {}

  import(ref: StreamRef): ByteStream {
    const { nc, traceparent } = this;
    let taken = false;
    return {
      [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
        if (taken) throw new StreamBrokenError(ref.subject, 'failed', 'a byte stream can be read only once');
        taken = true;
        const reader = pull(nc, ref, traceparent);
        let pulled = false;
        return {
          next: () => {
            pulled = true;
            return reader.next();
          },
          // A reader given up before its first read never ran the generator (so never its clean-up):
          // the producer still has to hear that nobody will read.
          return: async () => {
            if (!pulled) cancel(nc, ref);
            return reader.return(undefined);
          },
        };
      },
    };
  }
}

function cancel(nc: NatsConnection, ref: StreamRef): void {
  const h = headers();
  h.set(StreamHeader.cancel, '1');
  try {
    nc.publish(ref.subject, new Uint8Array(0), { headers: h });
  } catch {
    // a closed connection: the producer's idle timer ends the stream
  }
}

async function* pull(nc: NatsConnection, ref: StreamRef, traceparent: string | undefined): AsyncGenerator<Uint8Array> {
  const inbox = createInbox();
  const sub = nc.subscribe(inbox);
  const messages = sub[Symbol.asyncIterator]();
  // Nothing more can arrive through a dropped connection: end the read now (it fails as `gone`)
  // rather than after idle_ms of silence.
  const unwatch = Connectivity.of(nc).onDown(() => sub.unsubscribe());
  const grant = (credit: number): void => {
    const h = headers();
    h.set(StreamHeader.credit, String(credit));
    if (traceparent) h.set(InvocationHeader.traceparent, traceparent);
    nc.publish(ref.subject, new Uint8Array(0), { reply: inbox, headers: h });
  };
  // While the reader holds a chunk (its own writer is slow), keep the producer from giving up.
  const keepAlive = setInterval(() => grant(0), beatInterval(ref.idleMs));
  keepAlive.unref();
  let finished = false;
  let expected = 0;
  let taken = 0;
  try {
    grant(WINDOW);
    for (;;) {
      const msg = await nextWithin(messages, ref);
      const h = msg.headers;
      // No subscriber at the subject: the exporting connection is gone.
      if (h?.code === 503) throw new StreamBrokenError(ref.subject, 'gone', 'the producer is not connected any more');
      const error = h?.get(StreamHeader.error);
      if (error) {
        finished = true;
        throw new StreamBrokenError(ref.subject, 'failed', error);
      }
      if (h?.get(StreamHeader.beat)) continue;
      const end = h?.get(StreamHeader.end);
      if (end) {
        finished = true;
        if (Number(end) !== expected) throw new StreamBrokenError(ref.subject, 'lost', `ended after ${end} messages, ${expected} arrived`);
        return;
      }
      const seq = Number(h?.get(StreamHeader.seq));
      if (seq !== expected) throw new StreamBrokenError(ref.subject, 'lost', `expected message ${expected}, got ${seq}`);
      expected++;
      yield msg.data;
      const credit = creditToGrant(++taken);
      if (credit > 0) {
        grant(credit);
        taken = 0;
      }
    }
  } finally {
    unwatch();
    clearInterval(keepAlive);
    if (!finished) cancel(nc, ref);
    sub.unsubscribe();
  }
}

async function nextWithin(messages: AsyncIterator<Msg>, ref: StreamRef): Promise<Msg> {
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StreamBrokenError(ref.subject, 'stalled', `nothing from the producer for ${ref.idleMs} ms`)), ref.idleMs);
  });
  try {
    const next = await Promise.race([messages.next(), silence]);
    if (next.done) throw new StreamBrokenError(ref.subject, 'gone', 'the connection closed');
    return next.value;
  } finally {
    clearTimeout(timer);
  }
}
