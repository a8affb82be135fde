/**
 * JavaScript Promise Integration (JSPI): on Node 24 and newer a WebAssembly import can return a
 * promise and the guest's stack is suspended until it settles, so a worker runs other invocations
 * while one waits on a provider. A host decides once, at start, whether its components' provider
 * calls suspend (JSPI) or block their worker (Node 20, or `LATTICE_JSPI=off`), and says which in
 * its `hostcore.jspi` label (docs/architecture.md, "The request path inside a host").
 */
import { execFileSync } from 'node:child_process';
import { isSea } from 'node:sea';
import { setFlagsFromString } from 'node:v8';
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

/** Where suspended guests' stacks start (growable stacks), in KiB: 32 fit in V8's stack pool. */
const JSPI_STACK_KIB = 128;

let stacksTuned: 'growable' | 'fixed' | undefined;

/**
 * Makes suspended guests cheap to start. V8 runs each JSPI call on a stack of its own (984 KiB
 * by default) and keeps at most 4 MiB of finished stacks for reuse, so a worker with more than
 * four guests suspended at once maps a fresh stack, and faults its pages in, for almost every
 * call: 10-17 us per call at 25-100 in flight, against 2-4 us with stacks that fit the pool
 * (docs/performance.md, finding 7). Growable stacks start at JSPI_STACK_KIB and grow on demand,
 * so a deep recursion still has the room it has without JSPI. The flags are the process's (one
 * V8 for all workers), set before any worker compiles a component; a V8 that lacks either keeps
 * its defaults, as does `LATTICE_JSPI_STACKS=fixed`. Returns which stacks the host runs with.
 */
export function tuneJspiStacks(env: NodeJS.ProcessEnv = process.env): 'growable' | 'fixed' {
  if (stacksTuned) return stacksTuned;
  stacksTuned = 'fixed';
  // A single executable application would run itself, not Node, with `--v8-options`.
  if (env.LATTICE_JSPI_STACKS === 'fixed' || isSea()) return stacksTuned;
  let known: string;
  try {
    // V8 reports an unknown flag on stderr: only flags this V8 lists are set.
    known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return stacksTuned;
  }
  if (!known.includes('--experimental-wasm-growable-stacks') || !known.includes('--wasm-stack-switching-stack-size')) return stacksTuned;
  setFlagsFromString('--experimental-wasm-growable-stacks');
  setFlagsFromString(`--wasm-stack-switching-stack-size=${JSPI_STACK_KIB}`);
  stacksTuned = 'growable';
  return stacksTuned;
}
