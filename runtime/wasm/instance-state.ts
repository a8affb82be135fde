/**
 * Makes the whole state of a core instance reachable from JavaScript, so that an instance can be
 * put back to the state it had right after instantiation instead of being instantiated again.
 *
 * The state of a core instance is its memories, tables and mutable globals, plus which passive
 * data and element segments it has dropped. Memories are usually exported already; internal
 * mutable globals (the shadow stack pointer, an allocator's heap top) and tables are not. This
 * rewrite exports every defined memory, table and mutable global under reserved names, and reads
 * the code to learn whether anything after instantiation can write a table or touch a passive
 * segment. Segment state cannot be restored from JavaScript: a module whose code drops or reads
 * passive segments is not resettable, and its instances are discarded after each use instead.
 */
import { emptyFacts, scanCode, scanConstExpr, skipValType, UnknownInstruction } from './instructions.js';
import { writeU32 } from '../../lib/leb128.js';
import { ExternKind, isCoreModule, sections, SectionId, spliceSection, WasmReader, writeName, type Section } from './reader.js';

/** Export names this rewrite adds (`lattice-state:global:3`); a module's own exports never start with it. */
export const STATE_EXPORT_PREFIX = 'lattice-state:';

export interface ModuleStateFacts {
  /** Instances of the module can be restored to their post-instantiation state. */
  resettable: boolean;
  /** Why not, when not. */
  reason: string | null;
  /** Code can change a table after instantiation: restoring must rewrite table contents. */
  tablesMutable: boolean;
}

interface Counts {
  importedTables: number;
  importedMemories: number;
  importedGlobals: number;
  definedTables: number;
  definedMemories: number;
  /** Global index (imports first) of every defined mutable global. */
  mutableGlobals: number[];
  passiveSegments: number;
  exportNames: Set<string>;
}

function skipLimits(r: WasmReader): void {
  const flags = r.u8();
  r.skipLeb();
  if (flags & 0x01) r.skipLeb();
}

function skipTableType(r: WasmReader): void {
  skipValType(r);
  skipLimits(r);
}

function count(module: Uint8Array, list: Section[]): Counts {
  const facts = emptyFacts();
  const c: Counts = {
    importedTables: 0,
    importedMemories: 0,
    importedGlobals: 0,
    definedTables: 0,
    definedMemories: 0,
    mutableGlobals: [],
    passiveSegments: 0,
    exportNames: new Set(),
  };
  for (const section of list) {
    const r = new WasmReader(module, section.start, section.end);
    const each = (fn: () => void): void => {
      for (let n = r.u32(); n > 0; n--) fn();
    };
    switch (section.id) {
      case SectionId.Import:
        each(() => {
          r.name();
          r.name();
          const kind = r.u8();
          if (kind === ExternKind.Func) r.u32();
          else if (kind === ExternKind.Table) c.importedTables++, skipTableType(r);
          else if (kind === ExternKind.Memory) c.importedMemories++, skipLimits(r);
          else if (kind === ExternKind.Global) c.importedGlobals++, skipValType(r), r.u8();
          else if (kind === ExternKind.Tag) r.u8(), r.u32();
          else throw new UnknownInstruction(`import kind ${kind}`);
        });
        break;
      case SectionId.Table:
        each(() => {
          c.definedTables++;
          if (module[r.pos] === 0x40) {
            r.skip(2);
            skipTableType(r);
            scanConstExpr(r, facts);
          } else {
            skipTableType(r);
          }
        });
        break;
      case SectionId.Memory:
        each(() => (c.definedMemories++, skipLimits(r)));
        break;
      case SectionId.Global: {
        let index = c.importedGlobals;
        each(() => {
          skipValType(r);
          if (r.u8() === 1) c.mutableGlobals.push(index);
          scanConstExpr(r, facts);
          index++;
        });
        break;
      }
      case SectionId.Export:
        each(() => {
          c.exportNames.add(r.name());
          r.u8();
          r.u32();
        });
        break;
      case SectionId.Element:
        each(() => {
          const flags = r.u32();
          if ((flags & 0x03) === 0x01) c.passiveSegments++;
          if (flags === 2 || flags === 6) r.u32();
          if ((flags & 0x01) === 0) scanConstExpr(r, facts);
          if (flags & 0x04) {
            if (flags & 0x03) skipValType(r);
            each(() => scanConstExpr(r, facts));
          } else {
            if (flags & 0x03) r.u8();
            each(() => r.u32());
          }
        });
        break;
      case SectionId.Data:
        each(() => {
          const flags = r.u32();
          if (flags === 1) c.passiveSegments++;
          if (flags === 2) r.u32();
          if (flags !== 1) scanConstExpr(r, facts);
          r.skip(r.u32());
        });
        break;
    }
  }
  return c;
}

/**
 * Returns the module with its state exported, and what resetting its instances needs. A
 * component binary (not a core module) or a module this reader does not fully understand comes
 * back unchanged and not resettable.
 */
export function exposeInstanceState(module: Uint8Array): { bytes: Uint8Array; facts: ModuleStateFacts } {
  const refuse = (reason: string) => ({ bytes: module, facts: { resettable: false, reason, tablesMutable: true } });
  if (!isCoreModule(module)) return refuse('not a core module');
  const list = sections(module);
  let counts: Counts;
  const code = emptyFacts();
  try {
    counts = count(module, list);
    const codeSection = list.find((s) => s.id === SectionId.Code);
    if (codeSection) scanCode(new WasmReader(module, codeSection.start, codeSection.end), code);
  } catch (error) {
    if (error instanceof UnknownInstruction) return refuse(`unknown instruction or type ${error.message}`);
    throw error;
  }
  if (code.unknown) return refuse(`unknown instruction ${code.unknown}`);
  if ([...counts.exportNames].some((name) => name.startsWith(STATE_EXPORT_PREFIX))) return refuse('the module already uses the reserved export prefix');
  if (code.segmentOps && counts.passiveSegments > 0) return refuse('the code drops or copies passive data or element segments');

  const added: number[] = [];
  let extra = 0;
  const add = (kind: number, index: number, what: string): void => {
    added.push(...writeName(`${STATE_EXPORT_PREFIX}${what}:${index}`), kind, ...writeU32(index));
    extra++;
  };
  for (let i = 0; i < counts.definedMemories; i++) add(ExternKind.Memory, counts.importedMemories + i, 'memory');
  for (let i = 0; i < counts.definedTables; i++) add(ExternKind.Table, counts.importedTables + i, 'table');
  for (const index of counts.mutableGlobals) add(ExternKind.Global, index, 'global');
  const facts: ModuleStateFacts = { resettable: true, reason: null, tablesMutable: code.tableWrites };
  if (extra === 0) return { bytes: module, facts };

  const existing = list.find((s) => s.id === SectionId.Export);
  if (existing) {
    const r = new WasmReader(module, existing.start, existing.end);
    const total = r.u32() + extra;
    const payload = [...writeU32(total), ...module.subarray(r.pos, existing.end), ...added];
    return { bytes: spliceSection(module, existing, SectionId.Export, payload), facts };
  }
  // No export section: insert one where the binary format wants it, before start/element/code/data.
  const after = list.find((s) => ([SectionId.Start, SectionId.Element, SectionId.DataCount, SectionId.Code, SectionId.Data] as number[]).includes(s.id));
  const at = after ? { headerStart: after.headerStart, end: after.headerStart } : { headerStart: module.length, end: module.length };
  return { bytes: spliceSection(module, at, SectionId.Export, [...writeU32(extra), ...added]), facts };
}
