/**
 * JavaScript Promise Integration (JSPI): on Node 24 and newer a WebAssembly import can return a
 * promise and the guest's stack is suspended until it settles, so a worker runs other invocations
 * while one waits on a provider. A host decides once, at start, whether its components' provider
 * calls suspend (JSPI) or block their worker (Node 20, or `LATTICE_JSPI=off`), and says which in
 * its `hostcore.jspi` label (docs/architecture.md, "The request path inside a host").
 */
import { Wasm } from './wasm-api.js';

/** Whether this Node has JSPI (`WebAssembly.Suspending` and `WebAssembly.promising`). */
export function jspiAvailable(): boolean {
  return typeof Wasm.Suspending === 'function' && typeof Wasm.promising === 'function';
}

/** JSPI unless this Node lacks it or the environment turns it off (`LATTICE_JSPI=off`). */
export function jspiWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return jspiAvailable() && !['off', '0', 'false', 'no'].includes((env.LATTICE_JSPI ?? '').toLowerCase());
}

/**
 * The key under which a worker publishes its suspension hook for the glue (glue/lean-sync.ts):
 * called as a guest suspends, it returns what restores that invocation's state when it resumes.
 */
export const SUSPEND_HOOK = 'lattice.suspend';
