/**
 * The `WebAssembly` global as a value. This project's tsconfig has no DOM lib, and @types/node
 * declares none of the WebAssembly runtime objects, so the parts the runtime uses are typed here.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmGlobal {
  value: unknown;
}

export interface WasmTable {
  readonly length: number;
  get(index: number): unknown;
  set(index: number, value: unknown): void;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
  Module: {
    new (bytes: Uint8Array): WebAssembly.Module;
    imports(module: WebAssembly.Module): Array<{ module: string; name: string; kind: string }>;
    exports(module: WebAssembly.Module): Array<{ name: string; kind: string }>;
  };
  Instance: new (module: WebAssembly.Module, imports?: object) => WasmInstance;
  Memory: abstract new (...args: never[]) => WasmMemory;
  Global: abstract new (...args: never[]) => WasmGlobal;
  Table: abstract new (...args: never[]) => WasmTable;
  RuntimeError: new (message?: string) => Error;
  /** JSPI (Node 24+): absent on Node 20. */
  Suspending?: new (
    f: (...args: never[]) => unknown,
  ) => object;
  promising?: (f: unknown) => unknown;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
