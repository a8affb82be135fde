import { addExtension, Packr } from 'msgpackr';
import { isByteStream, StreamRef } from './stream-ref.js';

/**
 * The value codec of invocations: msgpackr, configured so every WIT value shape as jco represents
 * it in JS survives a round trip unchanged:
 * - `moreTypes`: typed arrays (list<u8> as Uint8Array, list<f32> as Float32Array, BigUint64Array...)
 *   come back as the same class, not as Buffer or plain arrays;
 * - `int64AsType: 'bigint'`: u64/s64 (bigint in jco) come back as bigint even when small; plain
 *   numbers never use the 64-bit integer encodings, so they stay numbers;
 * - `useRecords: false`: no shared structure table, so every message decodes on its own.
 * `undefined` (option none, unit payloads, `{tag, val: undefined}`) is preserved. Known loss: a
 * float `-0` arrives as `0` (msgpack encodes it as the integer 0).
 *
 * Byte streams (AsyncIterable<Uint8Array>, e.g. HTTP bodies) travel as references, a msgpack
 * extension: the caller of encodeValue exports them, the caller of decodeValue imports them
 * (protocol/rpc/streams.ts).
 */
const packr = new Packr({ moreTypes: true, int64AsType: 'bigint', useRecords: false });

/** msgpack extension type of a StreamRef ('L'). */
const STREAM_EXTENSION = 0x4c;

/** Set only while decodeValue runs (unpacking is synchronous), so the extension can import. */
let importing: ((ref: StreamRef) => unknown) | null = null;

addExtension({
  Class: StreamRef,
  type: STREAM_EXTENSION,
  write: (ref: StreamRef) => [ref.subject, ref.idleMs],
  read: (data: unknown) => {
    if (!Array.isArray(data) || typeof data[0] !== 'string' || typeof data[1] !== 'number') {
      throw new TypeError('malformed stream reference');
    }
    const ref = new StreamRef(data[0], data[1]);
    return importing ? importing(ref) : ref;
  },
});

export type ExportStream = (body: AsyncIterable<Uint8Array>) => StreamRef;
export type ImportStream = (ref: StreamRef) => AsyncIterable<Uint8Array>;

/**
 * VALUE with its byte streams replaced by references, copying only the containers on the way to
 * one (most values hold none and come back as they are). Typed arrays, class instances, Maps and
 * Sets are not looked into: WIT values are plain objects, arrays and typed arrays.
 */
function exportStreams(value: unknown, exportStream: ExportStream | undefined): unknown {
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
      const replaced = exportStreams(item, exportStream);
      if (replaced !== item) (copy ??= value.slice())[i] = replaced;
    }
    return copy ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | null = null;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'object' || item === null) continue;
    const replaced = exportStreams(item, exportStream);
    if (replaced !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = replaced;
  }
  return copy ?? value;
}

export function encodeValue(value: unknown, exportStream?: ExportStream): Uint8Array {
  return packr.pack(exportStreams(value, exportStream));
}

/** Throws on malformed input; callers turn that into a protocol error naming the subject. */
export function decodeValue(bytes: Uint8Array, importStream?: ImportStream): unknown {
  if (bytes.length === 0) return undefined;
  importing = importStream ?? null;
  try {
    return packr.unpack(bytes);
  } finally {
    importing = null;
  }
}
