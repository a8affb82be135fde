/**
 * Which calls of a component suspend under JSPI (runtime/jspi.ts): every function it imports
 * through a link (providers, other components), since those wait on another thread or host, the
 * waits the workers serve themselves (sleeps, outgoing HTTP responses, host-fed reads), and every
 * export the runtime calls, since a suspending import needs `WebAssembly.promising` on the stack.
 * The functions are read from the core modules jco produced and named after the component's
 * imports, in the `interface#function` form jco's `asyncImports` and `asyncExports` take.
 *
 * Stays sync (no plan): a component with no import that can wait (nothing would ever suspend, and a
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

/**
 * Functions the workers implement themselves that wait: a sleep (worker/wasi/io.ts), an outgoing
 * HTTP response (worker/wasi/http-outgoing.ts) and a blocking read of a body or stream whose
 * bytes come from the host (io.ts, PulledInputStream). Under JSPI they suspend the guest.
 */
const WORKER_WAITS = new Set([
  'wasi:io/poll#poll',
  'wasi:io/poll#[method]pollable.block',
  'wasi:http/types#[method]future-incoming-response.get',
  'wasi:io/streams#[method]input-stream.blocking-read',
]);

/**
 * `world`: the component's import and export names (`worldItems` in ../imports.ts). jco names an
 * async import after the component's import, whose version may differ from the core module's
 * (a toolchain's own WASI 0.2.10 and an adapter's 0.2.0 both become the component's 0.2.12, say).
 */
export function jspiPlan(coreModules: Iterable<Uint8Array>, world: { imports: readonly string[]; exports: readonly string[] }): JspiPlan | null {
  if (world.exports.some((name) => !name.includes(':'))) return null;
  const imported = new Map<string, string>();
  for (const full of world.imports) {
    const name = parseImportName(full);
    if (name?.interface) imported.set(name.unversioned, full);
  }
  const asyncImports = new Set<string>();
  const asyncExports = new Set<string>();
  for (const bytes of coreModules) {
    const module = new Wasm.Module(bytes);
    for (const { module: from, name, kind } of Wasm.Module.imports(module)) {
      if (kind !== 'function' || NEVER_ASYNC.test(name)) continue;
      const iface = parseImportName(from);
      if (iface?.interface && (!servedInWorker(iface.unversioned) || WORKER_WAITS.has(`${iface.unversioned}#${name}`))) {
        asyncImports.add(`${imported.get(iface.unversioned) ?? from}#${name}`);
      }
    }
    for (const { name, kind } of Wasm.Module.exports(module)) {
      // `[async-lift]...` and its `[callback]`: component-model async exports, async already.
      if (kind === 'function' && name.includes('#') && !name.startsWith('cabi_') && !name.startsWith('[')) asyncExports.add(name);
    }
  }
  if (asyncImports.size === 0 || asyncExports.size === 0) return null;
  return { asyncImports: [...asyncImports], asyncExports: [...asyncExports] };
}
