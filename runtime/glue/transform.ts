/**
 * Rewrites jco's generated glue once per component digest, when it is cached: the debug log
 * calls go, sync components get the lean call path (lean-sync.ts), instances get the state
 * hook that lets the runtime reset them (state-hook.ts), and component-model async tasks resume
 * when their events arrive instead of at jco's polling cadence (async-wake.ts). Each part is refused, with a reason, on
 * glue it does not recognise; refused parts leave jco's code as it was.
 */
import { applyEdits, callStatements, GlueShapeError, readGlue, type Edit, type Glue } from './ast.js';
import { asyncWakeEdits } from './async-wake.js';
import { leanSyncEdits } from './lean-sync.js';
import { stateHookEdits } from './state-hook.js';

export interface GlueReport {
  /** Null when the lean sync call path was applied, else why not. */
  lean: string | null;
  /** Null when the state hook was added, else why not. Resetting instances needs both. */
  stateHook: string | null;
  /** Null when component-model async tasks resume on events (async-wake.ts) or the glue has none, else why not. */
  asyncWake: string | null;
}

export interface TransformedGlue {
  source: string;
  report: GlueReport;
}

/**
 * jco's `_debugLog` prints when `JCO_DEBUG` is set in the environment, and its callers build an
 * object literal for every call even when it is not. A host never wants a guest's glue on its
 * console: the definition becomes a no-op and the call statements go.
 */
function debugLogEdits(glue: Glue): Edit[] {
  const definition = glue.intrinsics.get('_debugLog');
  if (definition?.type !== 'VariableDeclaration') return [];
  // A statement, not nothing: `if (x) _debugLog(...);` must stay an if with an (empty) body.
  return [
    { start: definition.start, end: definition.end, text: 'const _debugLog = () => {};' },
    ...callStatements(glue.program, '_debugLog').map((n) => ({ start: n.start, end: n.end, text: ';' })),
  ];
}

export function transformGlue(source: string): TransformedGlue {
  let glue: Glue;
  try {
    glue = readGlue(source);
  } catch (error) {
    if (!(error instanceof GlueShapeError)) throw error;
    return { source, report: { lean: error.message, stateHook: error.message, asyncWake: error.message } };
  }
  const lean = leanSyncEdits(glue);
  const hook = stateHookEdits(glue);
  const wake = asyncWakeEdits(glue);
  const edits = [...debugLogEdits(glue), ...lean.edits, ...hook.edits, ...wake.edits];
  const out = applyEdits(source, edits);
  try {
    // What comes out must still parse: a broken edit would otherwise surface as a load failure.
    readGlue(out);
  } catch (error) {
    const reason = `the rewritten glue does not parse (${error instanceof Error ? error.message : String(error)})`;
    return { source, report: { lean: reason, stateHook: reason, asyncWake: reason } };
  }
  return { source: out, report: { lean: lean.refused, stateHook: hook.refused, asyncWake: wake.refused } };
}
