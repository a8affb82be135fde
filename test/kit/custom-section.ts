/** `name` as a LEB128-prefixed UTF-8 string, as custom sections spell their names. */
function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** `bytes` with a custom section appended (valid at the end of a module or component). */
export function withCustomSection(bytes: Uint8Array, name: string, data: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const payload = [...leb128(nameBytes.length), ...nameBytes, ...data];
  return new Uint8Array([...bytes, 0x00, ...leb128(payload.length), ...payload]);
}
