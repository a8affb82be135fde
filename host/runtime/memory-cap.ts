import { InvalidComponentError, BinaryProblem } from './errors.js';

export const WASM_PAGE = 65536;
const MEMORY_SECTION = 5;

/**
 * Returns a copy of a core module whose defined memories have a maximum of at most `maxPages`.
 * Worker `resourceLimits` do not bound wasm memory and `--wasm-max-mem-pages` is process-wide
 * (design.md fact 6), so the cap is written into the module: `memory.grow` past it returns -1 and
 * the guest traps (or handles it) in its own instance. Imported memories are bounded by the
 * module that defines them. A module whose initial memory already exceeds the cap is refused.
 */
export function capMemory(module: Uint8Array, maxPages: number): Uint8Array {
  if (module[4] !== 1 || module[6] !== 0) return module;
  let offset = 8;
  while (offset < module.length) {
    const id = module[offset]!;
    const [size, sizeLen] = readLeb(module, offset + 1);
    const start = offset + 1 + sizeLen;
    if (id === MEMORY_SECTION) {
      const body = rewriteMemories(module.subarray(start, start + size), maxPages);
      const header = [MEMORY_SECTION, ...writeLeb(body.length)];
      const out = new Uint8Array(offset + header.length + body.length + (module.length - start - size));
      out.set(module.subarray(0, offset), 0);
      out.set(header, offset);
      out.set(body, offset + header.length);
      out.set(module.subarray(start + size), offset + header.length + body.length);
      return out;
    }
    offset = start + size;
  }
  return module;
}

function rewriteMemories(section: Uint8Array, maxPages: number): Uint8Array {
  const out: number[] = [];
  let [count, at] = readLeb(section, 0);
  out.push(...writeLeb(count));
  while (count-- > 0) {
    const flags = section[at++]!;
    if (flags & 0x04) throw new InvalidComponentError(BinaryProblem.Corrupt, 'memory64 is not supported');
    const [min, minLen] = readLeb(section, at);
    at += minLen;
    let max = maxPages;
    if (flags & 0x01) {
      const [declared, maxLen] = readLeb(section, at);
      at += maxLen;
      max = Math.min(declared, maxPages);
    }
    if (min > maxPages) {
      throw new InvalidComponentError(
        BinaryProblem.Corrupt,
        `the component needs ${min} pages (${(min * WASM_PAGE) / 2 ** 20} MiB) of memory at start, above its ${(maxPages * WASM_PAGE) / 2 ** 20} MiB cap`,
      );
    }
    out.push(flags | 0x01, ...writeLeb(min), ...writeLeb(max));
  }
  return Uint8Array.from(out);
}

function readLeb(bytes: Uint8Array, at: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = 0; ; i++) {
    const byte = bytes[at + i];
    if (byte === undefined || i > 4) throw new InvalidComponentError(BinaryProblem.Corrupt, 'malformed LEB128 in a core module');
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, i + 1];
    shift += 7;
  }
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}
