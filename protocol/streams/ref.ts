/**
 * What a byte stream inside an invocation value is, and what travels in its place. Free of any
 * transport so that the value codec, which worker threads use too, does not pull in the NATS
 * client.
 */

/** A byte stream as every side sees it: read once, at its reader's pace. */
export type ByteStream = AsyncIterable<Uint8Array>;

/** What an invocation message carries in place of a stream (a msgpack extension, see below). */
export class StreamRef {
  constructor(
    readonly subject: string,
    /** Silence after which either side gives the stream up. */
    readonly idleMs: number,
  ) {}
}

export function isByteStream(value: unknown): value is ByteStream {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && Symbol.asyncIterator in value;
}

/** msgpack extension type of a StreamRef ('L'); its data is `[subject, idle_ms]` (docs/protocol.md). */
export const STREAM_REF_EXTENSION = 0x4c;

export function streamRefData(ref: StreamRef): [string, number] {
  return [ref.subject, ref.idleMs];
}

/** The StreamRef an extension's data holds; a TypeError when it is not one. */
export function streamRefFrom(data: unknown): StreamRef {
  if (!Array.isArray(data) || typeof data[0] !== 'string' || typeof data[1] !== 'number') {
    throw new TypeError('malformed stream reference');
  }
  return new StreamRef(data[0], data[1]);
}

/**
 * VALUE with its byte streams replaced by what EXPORT answers for each, copying only the
 * containers on the way to one (most values hold none and come back as they are). Typed arrays,
 * class instances, Maps and Sets are not looked into: WIT values are plain objects, arrays and
 * typed arrays.
 */
export function replaceByteStreams(value: unknown, exportStream: ((body: ByteStream) => unknown) | undefined): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (isByteStream(value)) {
    if (!exportStream) throw new TypeError('a byte stream cannot be encoded without a connection to export it on');
    return exportStream(value);
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'object' || item === null) continue;
      const replaced = replaceByteStreams(item, exportStream);
      if (replaced !== item) (copy ??= value.slice())[i] = replaced;
    }
    return copy ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | null = null;
  // for-in, not Object.entries: every host call's arguments pass here, and entries allocates an
  // array per property (a plain object has no enumerable inherited keys).
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item !== 'object' || item === null) continue;
    const replaced = replaceByteStreams(item, exportStream);
    if (replaced !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = replaced;
  }
  return copy ?? value;
}
