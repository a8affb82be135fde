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
 *
 * The sending side is nats-exporter.ts, the receiving side nats-importer.ts; the header names
 * both speak are here, so that neither side imports the other.
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
