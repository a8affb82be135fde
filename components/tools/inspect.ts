import { componentWit } from '@bytecodealliance/jco';

export type WasmKind = 'component' | 'module' | 'unknown';

/**
 * What a binary is, from its header: `\0asm` then version `0d 00 01 00` for a component or
 * `01 00 00 00` for a core module. (`jco wit` accepts core modules too, reporting an empty
 * world, so the header is the reliable test: design.md fact 9.)
 */
export function wasmKind(bytes: Uint8Array): WasmKind {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return 'unknown';
  const v = [bytes[4], bytes[5], bytes[6], bytes[7]];
  if (v[0] === 0x0d && v[1] === 0x00 && v[2] === 0x01 && v[3] === 0x00) return 'component';
  if (v[0] === 0x01 && v[1] === 0x00 && v[2] === 0x00 && v[3] === 0x00) return 'module';
  return 'unknown';
}

export interface ComponentInterfaces {
  /** Imported interfaces and functions, e.g. `wasi:keyvalue/store@0.2.0-draft`. */
  imports: string[];
  /** Exported interfaces and functions, e.g. `wasi:http/incoming-handler@0.2.10`. */
  exports: string[];
}

/** The import and export names of a component, read from its embedded WIT (jco componentWit). */
export async function componentInterfaces(bytes: Uint8Array): Promise<ComponentInterfaces> {
  if (wasmKind(bytes) !== 'component') throw new Error('not a WebAssembly component (bad header)');
  const wit = await componentWit(bytes);
  const imports: string[] = [];
  const exports: string[] = [];
  for (const line of wit.split('\n')) {
    const m = /^\s*(import|export)\s+([^;:\s]+(?::[^;\s]+)?)\s*;?/.exec(line);
    if (!m) continue;
    // `import name: func(...)` keeps only the name; `import wasi:io/poll@0.2.12;` the whole id.
    const name = m[2].includes('/') ? m[2].replace(/;$/, '') : m[2].replace(/:$/, '');
    (m[1] === 'import' ? imports : exports).push(name);
  }
  return { imports, exports };
}
