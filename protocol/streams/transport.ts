/**
 * The seam every byte-stream transport sits behind. A byte stream never crosses inside the
 * message that mentions it: the sending side exports it and a reference goes in its place; the
 * receiving side reads it through that reference, at its reader's pace. Two transports:
 *
 * - NATS, between connections (hosts, provider processes, the CLI): nats-exporter.ts and
 *   nats-importer.ts (header names in nats-wire.ts); the reference is a StreamRef (a subject),
 *   flow control is the credit window (flow.ts).
 * - In-process, between a host's main thread and a component's worker: in-process.ts; the
 *   reference is a number the worker's bridge calls name, flow control is the high-water mark.
 */
import type { ByteStream } from './ref.js';

export interface ExportOptions {
  /** Silence after which the stream is given up (the call's deadline); transports that cannot lose their peer ignore it. */
  idleMs?: number;
  /** The invocation's trace context, carried with the stream's messages when it is traced. */
  traceparent?: string;
  /** Runs once when the stream is over, however it ends. */
  onDone?: () => void;
}

/** The sending side of a transport: the streams it serves its peer, each under a reference. */
export interface StreamExporter<Ref> {
  /** Makes BODY readable by the peer through the returned reference; the peer's reads drive BODY. */
  export(body: ByteStream, options?: ExportOptions): Ref;
  /** Streams exported and not finished (for tests and leak checks). */
  readonly open: number;
}

/**
 * The receiving side of a transport: the stream behind a reference the peer exported, read once,
 * whose early stop (iterator `return`) tells the producer to stop.
 */
export interface StreamImporter<Ref> {
  import(ref: Ref): ByteStream;
}

/**
 * Tells a producer nobody will read on (iterator `return`), never throwing at the caller: a
 * producer's clean-up failing is its own affair, and the stream is over either way.
 */
export function stopProducer(iterator: AsyncIterator<Uint8Array>): void {
  void Promise.resolve()
    .then(() => iterator.return?.())
    .catch(() => undefined);
}
