/**
 * Walks core WebAssembly instructions (MVP, sign extension, saturating truncation, bulk memory,
 * reference types, multi-value, multi-memory, SIMD and relaxed SIMD, threads, tail calls,
 * exception handling, typed function references) without validating them, to learn what a
 * module's code can do to its instance after instantiation: write its tables, or drop or read
 * passive segments. GC instructions and anything newer are reported as unknown, and the caller
 * then assumes the worst.
 */
import { WasmReader } from './reader.js';

export interface CodeFacts {
  /** table.set / table.grow / table.fill / table.copy / table.init occur. */
  tableWrites: boolean;
  /** data.drop / elem.drop / memory.init / table.init occur (passive segment state). */
  segmentOps: boolean;
  /** The first opcode this walker does not know (hex), if any. */
  unknown: string | null;
}

export function emptyFacts(): CodeFacts {
  return { tableWrites: false, segmentOps: false, unknown: null };
}

class Unknown extends Error {}

/** `ref null ht` and `ref ht` (0x63, 0x64 as signed LEB) carry a heap type after them. */
const REF_NULL = -29;
const REF = -28;

export function skipValType(r: WasmReader): void {
  const code = r.s33();
  if (code === REF_NULL || code === REF) r.s33();
}

function skipBlockType(r: WasmReader): void {
  skipValType(r);
}

function skipMemarg(r: WasmReader): void {
  const align = r.u32();
  if (align & 0x40) r.u32();
  r.skipLeb();
}

function vec(r: WasmReader, each: () => void): void {
  for (let n = r.u32(); n > 0; n--) each();
}

/** One instruction at `r.pos`; returns its opcode (0x0b for `end`). */
function instruction(r: WasmReader, facts: CodeFacts): number {
  const op = r.u8();
  if (op >= 0x45 && op <= 0xc4) return op; // numeric, comparison, conversion, sign extension: no immediates
  if (op >= 0x28 && op <= 0x3e) {
    skipMemarg(r);
    return op;
  }
  switch (op) {
    case 0x00:
    case 0x01:
    case 0x05:
    case 0x0b:
    case 0x0f:
    case 0x19:
    case 0x0a:
    case 0x1a:
    case 0x1b:
    case 0xd1:
    case 0xd3:
    case 0xd4:
      return op;
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x06:
      skipBlockType(r);
      return op;
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x0c:
    case 0x0d:
    case 0x10:
    case 0x12:
    case 0x14:
    case 0x15:
    case 0x18:
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0xd2:
    case 0xd5:
    case 0xd6:
      r.u32();
      return op;
    case 0x26:
      facts.tableWrites = true;
      r.u32();
      return op;
    case 0x0e:
      vec(r, () => r.u32());
      r.u32();
      return op;
    case 0x11:
    case 0x13:
      r.u32();
      r.u32();
      return op;
    case 0x1c:
      vec(r, () => skipValType(r));
      return op;
    case 0x1f: // try_table: block type, then catch clauses (kind, [tag], label)
      skipBlockType(r);
      vec(r, () => {
        const kind = r.u8();
        if (kind === 0x00 || kind === 0x01) r.u32();
        r.u32();
      });
      return op;
    case 0x3f:
    case 0x40:
      r.u32();
      return op;
    case 0x41:
    case 0x42:
      r.skipLeb();
      return op;
    case 0x43:
      r.skip(4);
      return op;
    case 0x44:
      r.skip(8);
      return op;
    case 0xd0:
      r.s33();
      return op;
    case 0xfc:
      prefixedFC(r, facts);
      return op;
    case 0xfd:
      prefixedSimd(r);
      return op;
    case 0xfe:
      prefixedAtomic(r);
      return op;
    default:
      throw new Unknown(`0x${op.toString(16)}`);
  }
}

function prefixedFC(r: WasmReader, facts: CodeFacts): void {
  const sub = r.u32();
  if (sub <= 7) return; // saturating truncations
  switch (sub) {
    case 8: // memory.init data memory
      facts.segmentOps = true;
      r.u32();
      r.u32();
      return;
    case 9: // data.drop
    case 13: // elem.drop
      facts.segmentOps = true;
      r.u32();
      return;
    case 10: // memory.copy dst src
      r.u32();
      r.u32();
      return;
    case 11: // memory.fill
    case 16: // table.size
      r.u32();
      return;
    case 12: // table.init elem table
      facts.segmentOps = true;
      facts.tableWrites = true;
      r.u32();
      r.u32();
      return;
    case 14: // table.copy dst src
      facts.tableWrites = true;
      r.u32();
      r.u32();
      return;
    case 15: // table.grow
    case 17: // table.fill
      facts.tableWrites = true;
      r.u32();
      return;
    default:
      throw new Unknown(`0xfc ${sub}`);
  }
}

function prefixedSimd(r: WasmReader): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) return skipMemarg(r); // loads, stores, load*_zero
  if (sub === 12 || sub === 13) return r.skip(16); // v128.const, i8x16.shuffle
  if (sub >= 21 && sub <= 34) return r.skip(1); // extract/replace lane
  if (sub >= 84 && sub <= 91) {
    skipMemarg(r); // load/store lane
    r.skip(1);
    return;
  }
  if (sub <= 0x113) return; // every other SIMD and relaxed SIMD op has no immediate
  throw new Unknown(`0xfd ${sub}`);
}

function prefixedAtomic(r: WasmReader): void {
  const sub = r.u32();
  if (sub === 0x03) return r.skip(1); // atomic.fence
  if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) return skipMemarg(r);
  throw new Unknown(`0xfe ${sub}`);
}

/** A constant expression (global or segment initialiser), up to and including its `end`. */
export function scanConstExpr(r: WasmReader, facts: CodeFacts): void {
  try {
    while (instruction(r, facts) !== 0x0b) {
      // constant expressions hold no blocks: the first `end` closes them
    }
  } catch (error) {
    if (!(error instanceof Unknown)) throw error;
    facts.unknown ??= error.message;
    throw error;
  }
}

/** Every function body of a code section payload. */
export function scanCode(r: WasmReader, facts: CodeFacts): void {
  vec(r, () => {
    const size = r.u32();
    const body = new WasmReader(r.bytes, r.pos, r.pos + size);
    r.skip(size);
    vec(body, () => {
      body.u32();
      skipValType(body);
    });
    try {
      while (!body.done) instruction(body, facts);
    } catch (error) {
      if (!(error instanceof Unknown)) throw error;
      facts.unknown ??= error.message;
    }
  });
}

export { Unknown as UnknownInstruction };
