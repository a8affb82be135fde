import { InvalidComponentError, BinaryProblem } from '../errors.js';
import { writeU32 } from '../../lib/leb128.js';
import { corrupt, isCoreModule, sections, SectionId, spliceSection, WasmReader } from './reader.js';

export const WASM_PAGE = 65536;

/**
 * Returns a copy of a core module whose defined memories have a maximum of at most `maxPages`.
 * Worker `resourceLimits` do not bound wasm memory and `--wasm-max-mem-pages` is process-wide
 * (docs/architecture.md, "Limits"), so the cap is written into the module: `memory.grow` past it
 * returns -1 and the guest traps (or handles it) in its own instance. Imported memories are
 * bounded by the module that defines them. A module whose initial memory already exceeds the cap
 * is refused.
 */
export function capMemory(module: Uint8Array, maxPages: number): Uint8Array {
  if (!isCoreModule(module)) return module;
  const section = sections(module).find((s) => s.id === SectionId.Memory);
  if (!section) return module;
  return spliceSection(module, section, SectionId.Memory, rewriteMemories(new WasmReader(module, section.start, section.end), maxPages));
}

function rewriteMemories(r: WasmReader, maxPages: number): number[] {
  const out: number[] = [];
  let count = r.u32();
  out.push(...writeU32(count));
  while (count-- > 0) {
    const flags = r.u8();
    if (flags & 0x04) throw new InvalidComponentError(BinaryProblem.Corrupt, 'memory64 is not supported');
    if (flags & ~0x03) throw corrupt(`unknown memory flags 0x${flags.toString(16)}`);
    const min = r.u32();
    let max = maxPages;
    if (flags & 0x01) max = Math.min(r.u32(), maxPages);
    if (min > maxPages) {
      throw new InvalidComponentError(
        BinaryProblem.Corrupt,
        `the component needs ${min} pages (${(min * WASM_PAGE) / 2 ** 20} MiB) of memory at start, above its ${(maxPages * WASM_PAGE) / 2 ** 20} MiB cap`,
      );
    }
    out.push(flags | 0x01, ...writeU32(min), ...writeU32(max));
  }
  return out;
}
