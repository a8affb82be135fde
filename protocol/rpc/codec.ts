import { Packr } from 'msgpackr';

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
 */
const packr = new Packr({ moreTypes: true, int64AsType: 'bigint', useRecords: false });

export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Throws on malformed input; callers turn that into a protocol error naming the subject. */
export function decodeValue(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  return packr.unpack(bytes);
}
