/**
 * Which calls of a component suspend under JSPI (runtime/jspi.ts): every function it imports
 * through a link (providers, other components), since those wait on another thread or host, and
 * every export the runtime calls, since a suspending import needs `WebAssembly.promising` on the
 * stack. The names come from the core modules jco produced, in the `interface#function` form jco's
 * `asyncImports` and `asyncExports` take.
 *
 * Stays sync (no plan): a component with no forwarded import (nothing would ever suspend, and a
 * promising export costs a stack switch per call), or one with a world-level function export (no
 * interface name to mark it async with, so a suspending import under it would trap).
 */
import { parseImportName, servedInWorker } from '../imports.js';
import { Wasm } from '../wasm-api.js';

export interface JspiPlan {
  asyncImports: string[];
  asyncExports: string[];
}

/** Resource constructors stay blocking (a constructor cannot be awaited); drops never wait. */
const NEVER_ASYNC = /^\[(constructor|resource-drop)\]/;

/** `worldExports`: the component's export names (`worldItems` in ../imports.ts). */
export function jspiPlan(coreModules: Iterable<Uint8Array>, worldExports: readonly string[]): JspiPlan | null {
  if (worldExports.some((name) => !name.includes(':'))) return null;
  const asyncImports = new Set<string>();
  const asyncExports = new Set<string>();
  for (const bytes of coreModules) {
    const module = new Wasm.Module(bytes);
    for (const { module: from, name, kind } of Wasm.Module.imports(module)) {
      if (kind !== 'function' || NEVER_ASYNC.test(name)) continue;
      const iface = parseImportName(from);
      if (iface?.interface && !servedInWorker(iface.unversioned)) asyncImports.add(`${from}#${name}`);
    }
    for (const { name, kind } of Wasm.Module.exports(module)) {
      // `[async-lift]...` and its `[callback]`: component-model async exports, async already.
      if (kind === 'function' && name.includes('#') && !name.startsWith('cabi_') && !name.startsWith('[')) asyncExports.add(name);
    }
  }
  if (asyncImports.size === 0 || asyncExports.size === 0) return null;
  return { asyncImports: [...asyncImports], asyncExports: [...asyncExports] };
}
