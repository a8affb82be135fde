/**
 * The value a byte stream (an AsyncIterable<Uint8Array> inside an invocation value) is encoded
 * as, and how to recognise one. Apart from streams.ts so that the value codec, which worker
 * threads use too, does not pull in the NATS client.
 */

/** What an invocation message carries in place of a stream (a msgpack extension). */
export class StreamRef {
  constructor(
    readonly subject: string,
    /** Silence after which either side gives the stream up. */
    readonly idleMs: number,
  ) {}
}

export function isByteStream(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && Symbol.asyncIterator in value;
}
