/**
 * Unsigned LEB128, the variable-length integers of the WebAssembly binary format: what the
 * binary rewriters (runtime/wasm/) and the claims embedder (lib/wascap.ts) write.
 */

/** The LEB128 bytes of a non-negative integer up to 2^32 - 1. */
export function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}
