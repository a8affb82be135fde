import { addExtension, Packr } from 'msgpackr';
import { replaceByteStreams, STREAM_REF_EXTENSION, StreamRef, streamRefData, streamRefFrom, type ByteStream } from '../streams/ref.js';
import type { StreamImporter } from '../streams/transport.js';

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
 * (protocol/streams/).
 */
const packr = new Packr({ moreTypes: true, int64AsType: 'bigint', useRecords: false });

/** Set only while decodeValue runs (unpacking is synchronous), so the extension can import. */
let importing: StreamImporter<StreamRef> | null = null;

addExtension({
  Class: StreamRef,
  type: STREAM_REF_EXTENSION,
  write: streamRefData,
  read: (data: unknown) => {
    const ref = streamRefFrom(data);
    return importing ? importing.import(ref) : ref;
  },
});

export type ExportStream = (body: ByteStream) => StreamRef;

export function encodeValue(value: unknown, exportStream?: ExportStream): Uint8Array {
  return packr.pack(replaceByteStreams(value, exportStream));
}

/** Throws on malformed input; callers turn that into a protocol error naming the subject. */
export function decodeValue(bytes: Uint8Array, streams?: StreamImporter<StreamRef>): unknown {
  if (bytes.length === 0) return undefined;
  importing = streams ?? null;
  try {
    return packr.unpack(bytes);
  } finally {
    importing = null;
  }
}
