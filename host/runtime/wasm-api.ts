/**
 * The `WebAssembly` global as a value. This project's tsconfig has no DOM lib, and @types/node
 * declares only the WebAssembly types, not the runtime object.
 */
export interface WasmApi {
  compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
  RuntimeError: new (message?: string) => Error;
  promising?: (f: unknown) => unknown;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
