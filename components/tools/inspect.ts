import { componentWit, metadataShow } from '@bytecodealliance/jco';
import { createHash } from 'node:crypto';
import { readClaims, type ClaimsReport } from '../../lib/wascap.js';
import { worldItems } from '../../runtime/imports.js';

export type WasmKind = 'component' | 'module' | 'unknown';

/**
 * What a binary is, from its header: `\0asm` then version `0d 00 01 00` for a component or
 * `01 00 00 00` for a core module. (`jco wit` accepts core modules too, reporting an empty
 * world, so the header is the reliable test.)
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

/** The import and export names of a component, read from its embedded WIT (the runtime's reading). */
export async function componentInterfaces(bytes: Uint8Array): Promise<ComponentInterfaces> {
  if (wasmKind(bytes) !== 'component') throw new Error('not a WebAssembly component (bad header)');
  return worldItems(await componentWit(bytes));
}

/** One world item: `wasi:http/types@0.2.0` as name `wasi:http/types` and version `0.2.0`; a bare function has neither package nor version. */
export interface WorldItem {
  name: string;
  version: string | null;
}

export function splitVersion(item: string): WorldItem {
  const at = item.lastIndexOf('@');
  return at > 0 ? { name: item.slice(0, at), version: item.slice(at + 1) } : { name: item, version: null };
}

export interface Inspection {
  kind: 'component' | 'module';
  size: number;
  /** `sha256:<hex>`, the digest `lattice push` and `nats://` references use. */
  digest: string;
  /** The component's world (empty for a core module). */
  imports: WorldItem[];
  exports: WorldItem[];
  /** The world as WIT text (`jco wit`); null for a core module. */
  wit: string | null;
  /** Producers section fields (language, processed-by, sdk) -> `name version`, over every nested module. */
  producers: Record<string, string[]>;
  /**
   * Embedded signature claims (wascap) with whether the signature verifies and the signed module
   * hash matches these bytes; null when the binary is not signed.
   */
  claims: ClaimsReport | null;
}

/**
 * Everything `lattice inspect` shows about a binary. Throws for bytes that are neither a
 * component nor a core module; callers check them first (runtime/binary-check.ts). A claims
 * section that cannot be read throws WascapError (lib/wascap.ts).
 */
export async function inspectWasm(bytes: Uint8Array): Promise<Inspection> {
  const kind = wasmKind(bytes);
  if (kind === 'unknown') throw new Error('not a WebAssembly component or module');
  const wit = kind === 'component' ? await componentWit(bytes) : null;
  const world = wit ? worldItems(wit) : { imports: [], exports: [] };
  const producers: Record<string, string[]> = {};
  for (const entry of await metadataShow(bytes)) {
    for (const [field, values] of entry.producers) {
      const list = (producers[field] ??= []);
      for (const [name, version] of values) {
        const text = version ? `${name} ${version}` : name;
        if (!list.includes(text)) list.push(text);
      }
    }
  }
  return {
    kind,
    size: bytes.length,
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    imports: world.imports.map(splitVersion),
    exports: world.exports.map(splitVersion),
    wit,
    producers,
    claims: readClaims(bytes),
  };
}
