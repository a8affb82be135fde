/**
 * Reading and writing the parts of the core WebAssembly binary format the runtime rewrites: LEB128
 * numbers, names, and the section list. Errors are `InvalidComponentError(corrupt)`: a core module
 * that cannot be read here would not compile either.
 */
import { writeU32 } from '../../lib/leb128.js';
import { BinaryProblem, InvalidComponentError } from '../errors.js';

export const SectionId = {
  Custom: 0,
  Type: 1,
  Import: 2,
  Function: 3,
  Table: 4,
  Memory: 5,
  Global: 6,
  Export: 7,
  Start: 8,
  Element: 9,
  Code: 10,
  Data: 11,
  DataCount: 12,
  Tag: 13,
} as const;

/** External kinds of imports and exports. */
export const ExternKind = { Func: 0, Table: 1, Memory: 2, Global: 3, Tag: 4 } as const;

export function corrupt(message: string): InvalidComponentError {
  return new InvalidComponentError(BinaryProblem.Corrupt, message);
}

/** A cursor over a byte range of a module. */
export class WasmReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw corrupt(`core module truncated at byte ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 up to 32 bits. */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.u8();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw corrupt(`malformed LEB128 at byte ${this.pos}`);
  }

  /** Signed LEB128 up to 33 bits (block types, heap types); small negatives are type codes. */
  s33(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      if (shift > 35) throw corrupt(`malformed LEB128 at byte ${this.pos}`);
      byte = this.u8();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return byte & 0x40 ? result - 2 ** shift : result;
  }

  /** Skips a LEB128 number of any width (i32/i64 constants, 64-bit offsets). */
  skipLeb(): void {
    for (let i = 0; i < 10; i++) if ((this.u8() & 0x80) === 0) return;
    throw corrupt(`malformed LEB128 at byte ${this.pos}`);
  }

  skip(count: number): void {
    if (this.pos + count > this.end) throw corrupt(`core module truncated at byte ${this.pos}`);
    this.pos += count;
  }

  name(): string {
    const length = this.u32();
    const start = this.pos;
    this.skip(length);
    return new TextDecoder().decode(this.bytes.subarray(start, start + length));
  }
}

export function writeName(name: string): number[] {
  const bytes = new TextEncoder().encode(name);
  return [...writeU32(bytes.length), ...bytes];
}

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  headerStart: number;
  /** Payload range. */
  start: number;
  end: number;
}

/** True for a core module (`\0asm` version 1), false for a component or anything else. */
export function isCoreModule(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0;
}

export function sections(module: Uint8Array): Section[] {
  const out: Section[] = [];
  const reader = new WasmReader(module, 8);
  while (!reader.done) {
    const headerStart = reader.pos;
    const id = reader.u8();
    const size = reader.u32();
    const start = reader.pos;
    reader.skip(size);
    out.push({ id, headerStart, start, end: start + size });
  }
  return out;
}

/** Replaces one section's payload (or inserts a new section before `before`). */
export function spliceSection(module: Uint8Array, at: { headerStart: number; end: number }, id: number, payload: Uint8Array | number[]): Uint8Array {
  const header = [id, ...writeU32(payload.length)];
  const out = new Uint8Array(at.headerStart + header.length + payload.length + (module.length - at.end));
  out.set(module.subarray(0, at.headerStart), 0);
  out.set(header, at.headerStart);
  out.set(payload, at.headerStart + header.length);
  out.set(module.subarray(at.end), at.headerStart + header.length + payload.length);
  return out;
}
