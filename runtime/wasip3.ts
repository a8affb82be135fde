/**
 * WASIp3 (WASI 0.3) components: those that import or export interfaces of the `wasi` namespace
 * at version 0.3. They rely on component-model async (async exports, streams, futures), which
 * jco's output runs only with JSPI (`WebAssembly.promising`), so Node 24 or newer. Of WASI 0.3 a
 * host serves an HTTP handler: a component exporting `wasi:http/handler@0.3.x` and importing
 * `wasi:http/types@0.3.x` (worker/incoming-http-p3.ts); one importing any other WASI 0.3
 * interface is refused when it is scaled, naming them, and on Node 20 every WASIp3 component is,
 * naming the Node version it needs. A component that uses component-model async only in its own
 * interfaces (an `async func` export a link calls) runs on Node 24 and newer, and is refused on
 * Node 20 alike.
 */
import { jspiAvailable } from './jspi.js';
import { BUILTIN_WASIP3, parseImportName, versionCompatible } from './imports.js';
import { Wasm } from './wasm-api.js';

/**
 * Core names wit-component gives component-model async: async lifts of exports and their
 * callbacks, async lowers of imports, and the canonical built-ins (task.return, streams,
 * futures, waitables, subtasks, context, yield, backpressure, error contexts).
 */
const ASYNC_CORE_NAME =
  /^\[(async-lift|callback\]|async-lower\]|task-return\]|task-cancel\]|stream-|future-|waitable|subtask-|context-|yield\]|backpressure-|error-context-)/;

/** True when a core module of the component uses component-model async. */
function usesComponentModelAsync(coreModules: Iterable<Uint8Array>): boolean {
  for (const bytes of coreModules) {
    const module = new Wasm.Module(bytes);
    if (Wasm.Module.exports(module).some(({ name }) => ASYNC_CORE_NAME.test(name))) return true;
    if (Wasm.Module.imports(module).some(({ name }) => ASYNC_CORE_NAME.test(name))) return true;
  }
  return false;
}

/** Why this host cannot run a component that uses component-model async, or null when it can. */
export function asyncRefusal(coreModules: Iterable<Uint8Array>, jspi = jspiAvailable()): string | null {
  if (jspi || !usesComponentModelAsync(coreModules)) return null;
  return `the component uses component-model async (async functions, streams or futures), which needs Node 24 or newer (JSPI); this host runs Node ${process.versions.node}`;
}

/** The WASI 0.3 interfaces among a world's import and export names. */
export function wasip3Interfaces(names: readonly string[]): string[] {
  return names.filter((full) => {
    const name = parseImportName(full);
    return name?.namespace === 'wasi' && name.version !== null && /^0\.3\./.test(name.version);
  });
}

/** The WASI 0.3 exports a host serves: an HTTP handler (the imports are BUILTIN_WASIP3). */
const SERVED_EXPORTS: ReadonlyMap<string, string> = new Map([['wasi:http/handler', '0.3']]);

function served(full: string, table: ReadonlyMap<string, string>): boolean {
  const name = parseImportName(full);
  const range = name ? table.get(name.unversioned) : undefined;
  return range !== undefined && versionCompatible(name!.version, range);
}

/** Why this host cannot run a component of these world items, or null when it can. */
export function wasip3Refusal(world: { imports: readonly string[]; exports: readonly string[] }, jspi = jspiAvailable()): string | null {
  const p3 = wasip3Interfaces([...world.imports, ...world.exports]);
  if (p3.length === 0) return null;
  const which = `a WASIp3 component (${p3.join(', ')})`;
  if (!jspi) return `${which} needs Node 24 or newer (JSPI); this host runs Node ${process.versions.node}`;
  const unserved = [
    ...wasip3Interfaces(world.imports).filter((name) => !served(name, BUILTIN_WASIP3)),
    ...wasip3Interfaces(world.exports).filter((name) => !served(name, SERVED_EXPORTS)),
  ];
  if (unserved.length === 0) return null;
  return `${which}: of WASI 0.3 this host serves an HTTP handler (export wasi:http/handler@0.3.x, import wasi:http/types@0.3.x); not ${unserved.join(', ')}`;
}
