/**
 * Fresh-instance semantics without instantiating again: the state of a component instance right
 * after instantiation is recorded once, and put back after every invocation.
 *
 * The state of a component instance is the state of its core instances (memories, tables,
 * mutable globals: made reachable by wasm/instance-state.ts, which exports them all) plus the
 * glue's handle tables (glue/state-hook.ts). What a module's code could change and JavaScript
 * cannot restore (dropped passive segments) makes the component not resettable at load time.
 * What can change per invocation and cannot be undone is checked at reset time: a memory that
 * grew (memories never shrink) or a table that grew makes `restore` answer false, and the
 * instance is discarded, as a trapped one is.
 */
import { Wasm, type WasmGlobal, type WasmInstance, type WasmMemory, type WasmTable } from '../wasm-api.js';
import type { GlueStateHook } from '../glue/hook.js';

/** Collects the core instances and import objects of one component instantiation. */
export class CoreInstanceRecorder {
  readonly instances: WasmInstance[] = [];
  readonly imports: object[] = [];

  /** Pass as jco's `instantiateCore`. */
  readonly instantiateCore = (module: WebAssembly.Module, importObject?: object): WasmInstance => {
    const instance = new Wasm.Instance(module, importObject);
    this.instances.push(instance);
    if (importObject) this.imports.push(importObject);
    return instance;
  };
}

interface Saved<T, V> {
  object: T;
  value: V;
}

/** A memory's state after instantiation: its size, and its bytes as runs of zero and non-zero pages. */
interface SavedMemory {
  object: WasmMemory;
  length: number;
  /** [start, end) byte ranges; `bytes` is null for a run of zero pages (nothing to keep of it). */
  runs: Array<{ start: number; end: number; bytes: Uint8Array | null }>;
}

/** The granularity of the zero runs: a zero page is written with a fill, not copied. */
const PAGE = 4096;
/** Shorter zero runs are copied with their neighbours: a call per short run would cost more. */
const MIN_ZERO_RUN = 64 * 1024;

/**
 * Most of a memory is zero after instantiation (StarlingMonkey's 9 MB: ~3 MB of data segments,
 * the rest its heap's free pages): the snapshot keeps only the other pages, and the restore fills
 * the zero runs, which writes memory where a copy also reads it (docs/performance.md).
 */
function saveMemory(object: WasmMemory): SavedMemory {
  const value = new Uint8Array(object.buffer);
  const words = new Uint32Array(object.buffer, 0, value.length >>> 2);
  const spans: Array<{ start: number; end: number; zero: boolean }> = [];
  for (let start = 0; start < value.length; start += PAGE) {
    const end = Math.min(start + PAGE, value.length);
    let zero = end - start === PAGE;
    for (let w = start >>> 2; zero && w < end >>> 2; w++) if (words[w] !== 0) zero = false;
    const last = spans[spans.length - 1];
    if (last && last.zero === zero) last.end = end;
    else spans.push({ start, end, zero });
  }
  const merged: typeof spans = [];
  for (const { start, end, zero: allZero } of spans) {
    const zero = allZero && end - start >= MIN_ZERO_RUN;
    const last = merged[merged.length - 1];
    if (last && last.zero === zero) last.end = end;
    else merged.push({ start, end, zero });
  }
  return { object, length: value.length, runs: merged.map(({ start, end, zero }) => ({ start, end, bytes: zero ? null : value.slice(start, end) })) };
}

export class InstanceSnapshot {
  private constructor(
    private readonly memories: SavedMemory[],
    private readonly globals: Array<Saved<WasmGlobal, unknown>>,
    private readonly tables: Array<Saved<WasmTable, unknown[]>>,
    private readonly glue: GlueStateHook,
  ) {}

  /**
   * Records every memory, mutable global and (when the code can write them) table reachable from
   * the core instances' exports and the objects they were instantiated with.
   */
  static capture(recorder: CoreInstanceRecorder, glue: GlueStateHook, withTables: boolean): InstanceSnapshot {
    const memories = new Set<WasmMemory>();
    const globals = new Set<WasmGlobal>();
    const tables = new Set<WasmTable>();
    const visit = (value: unknown): void => {
      if (value instanceof Wasm.Memory) memories.add(value);
      else if (value instanceof Wasm.Global) globals.add(value);
      else if (value instanceof Wasm.Table) tables.add(value);
    };
    for (const instance of recorder.instances) for (const value of Object.values(instance.exports)) visit(value);
    for (const importObject of recorder.imports) {
      for (const namespace of Object.values(importObject as Record<string, Record<string, unknown>>)) {
        if (typeof namespace === 'object' && namespace !== null) for (const value of Object.values(namespace)) visit(value);
      }
    }
    return new InstanceSnapshot(
      [...memories].map(saveMemory),
      [...globals].map((object) => ({ object, value: object.value })),
      withTables ? [...tables].map((object) => ({ object, value: Array.from({ length: object.length }, (_, i) => object.get(i)) })) : [],
      glue,
    );
  }

  /** Handles the guest still holds that it did not hold after instantiation. */
  liveHandles(): number {
    return this.glue.liveHandles();
  }

  /** Puts the instance back; false when it cannot be (a memory or table grew). */
  restore(): boolean {
    for (const { object, length } of this.memories) {
      if (object.buffer.byteLength !== length) return false;
    }
    for (const { object, value } of this.tables) {
      if (object.length !== value.length) return false;
    }
    for (const { object, runs } of this.memories) {
      const memory = new Uint8Array(object.buffer);
      for (const { start, end, bytes } of runs) {
        if (bytes) memory.set(bytes, start);
        else memory.fill(0, start, end);
      }
    }
    for (const { object, value } of this.globals) {
      if (!Object.is(object.value, value)) object.value = value;
    }
    for (const { object, value } of this.tables) {
      for (let i = 0; i < value.length; i++) if (object.get(i) !== value[i]) object.set(i, value[i]);
    }
    this.glue.restore();
    return true;
  }
}
