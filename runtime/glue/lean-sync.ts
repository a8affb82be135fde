/**
 * A lean call path for components that use no component-model async (no async lifts or lowers,
 * no streams, futures or waitables): every component of WASI 0.2 and every component this
 * project builds. Glue transpiled for JSPI (jco's `asyncMode: 'jspi'`: provider imports that
 * suspend the guest, exports wrapped in `WebAssembly.promising`) is such a component too: its
 * only async is JavaScript's, and it gets the same lean path with async entry points.
 *
 * jco 1.35 routes every call through its WASI 0.3 task machinery even when nothing is async: each
 * export call and each import call allocates tasks, subtasks, waitables and promises, registers
 * them in global maps and walks them again on return. For a sync component all of that is
 * bookkeeping without effect, and it cost ~70% of a small HTTP handler's time (docs/performance.md,
 * "The request path"). This transform replaces the six entry points the generated trampolines
 * call with versions that do only what a sync call needs (the may-leave check, the call itself,
 * the trap flag), and makes the generated code's task objects a shared inert one.
 *
 * It applies only when the generated code refers to nothing but the intrinsics and task methods
 * listed here and every call site is sync: anything else (a newer jco, an async component) keeps
 * jco's glue unchanged, which is correct, only slower.
 */
import { full } from 'acorn-walk';
import { SUSPEND_HOOK } from '../jspi.js';
import { intrinsicsUsed, memberCalls, type AstNode, type Edit, type Glue } from './ast.js';

/** Intrinsics a sync component's generated code may use (jco 1.35 names). */
const SYNC_INTRINSICS = new Set([
  'getOrCreateAsyncState',
  'createNewCurrentTask',
  '_withGlobalCurrentTaskMeta',
  '_debugLog',
  'CURRENT_TASK_MAY_BLOCK',
  'getCurrentTask',
  '_trackHostOperation',
  '_suspendingImport',
  '_lowerImportBackwardsCompat',
  '_getGlobalCurrentTaskMeta',
  'INSTANCE_FLAGS',
  'dataView',
  'symbolRscRep',
  'symbolRscHandle',
  'rscTableCreateOwn',
  'rscTableRemove',
  'getErrorPayload',
  'getErrorPayloadString',
  'T_FLAG',
  'HANDLE_TABLES',
  '_utf8AllocateAndEncode',
  '_utf16AllocateAndEncode',
  'curResourceBorrows',
  'TEXT_DECODER_UTF8',
  'TEXT_ENCODER_UTF8',
  'utf16Decoder',
  'symbolDispose',
  'symbolCabiDispose',
  '_guardMayLeave',
  'clampGuest',
  '_requireValidNumericPrimitive',
  '_isValidNumericPrimitive',
  'ComponentError',
  'emptyFunc',
  'isLE',
  // JSPI glue (asyncMode 'jspi'): the async twin of _withGlobalCurrentTaskMeta.
  '_withGlobalCurrentTaskMetaAsync',
]);
const SYNC_INTRINSIC_PATTERNS = [/^module\d+$/, /^_(lift|lower)Flat[A-Za-z0-9]+$/, /^to(Ui|I)nt(8|16|32|64)$/];

/** Methods the generated code calls on task objects in sync paths. */
const SYNC_TASK_METHODS = new Set([
  'id',
  'componentIdx',
  'enterSync',
  'resolve',
  'exit',
  'reject',
  'setErrored',
  'setCalleeIsAsync',
  'mayBlock',
  'setReturnMemoryIdx',
  'setReturnMemory',
  'isResolvedState',
  'isExited',
  'getParentSubtask',
  'setParentSubtask',
  'getLatestSubtask',
  // JSPI glue: awaited entry, its error path, a debug log's argument.
  'enter',
  'completionPromise',
  'currentSubtask',
]);
const TASK_OBJECTS = new Set(['task', 'parentTask', 'createdTask', 'subtask']);

/** The replacements, keyed by the intrinsic they replace. Each keeps jco's signature. */
const LEAN: Record<string, string> = {
  createNewCurrentTask: `function createNewCurrentTask(args) { return LATTICE_SYNC_TASK_PAIR; }
  // A sync call needs no task: one inert object answers every task method the trampolines call.
  const LATTICE_SYNC_TASK = {
    id() { return 1; }, componentIdx() { return 0; }, enterSync() { return true; }, enter() { return true; }, resolve() {},
    exit() {}, setErrored() {}, setCalleeIsAsync() {}, mayBlock() { return false; }, setReturnMemoryIdx() {},
    setReturnMemory() {}, isResolvedState() { return true; }, isExited() { return true; }, getParentSubtask() { return undefined; },
    setParentSubtask() {}, getLatestSubtask() { return undefined; }, currentSubtask() { return undefined; },
    // JSPI glue rejects, exits and returns completionPromise() in one synchronous stretch.
    rejected: undefined,
    reject(error) { this.rejected = error; },
    completionPromise() { const error = this.rejected; this.rejected = undefined; return Promise.reject(error); },
  };
  const LATTICE_SYNC_TASK_PAIR = [LATTICE_SYNC_TASK, 1];`,
  getCurrentTask: 'function getCurrentTask(componentIdx, taskID) { return undefined; }',
  _getGlobalCurrentTaskMeta: 'function _getGlobalCurrentTaskMeta(componentIdx) { return undefined; }',
  _withGlobalCurrentTaskMeta: 'function _withGlobalCurrentTaskMeta(args) { return args.fn(); }',
  _withGlobalCurrentTaskMetaAsync: 'function _withGlobalCurrentTaskMetaAsync(args) { return args.fn(); }',
  // JSPI: the guest suspends on the promise the import returns. The worker's hook (runtime/
  // jspi.ts) gives back what restores the invocation's state; its reaction is registered before
  // the one that resumes the guest, so nothing runs between the two.
  _suspendingImport: `function _suspendingImport(componentIdx, fn) {
    return function (...args) {
      const resume = globalThis[Symbol.for('${SUSPEND_HOOK}')]?.();
      const result = fn.apply(null, args);
      if (resume) Promise.resolve(result).then(resume, resume);
      return result;
    };
  }`,
  _trackHostOperation: 'function _trackHostOperation(operation) { return operation(); }',
  _lowerImportBackwardsCompat: `function _lowerImportBackwardsCompat(args, ...params) {
    _checkMayLeave(args.componentIdx);
    return args.importFn(...params);
  }`,
};

/** jco's rscTableCreateOwn also adds every rep to a Set nothing reads: a leak with a reused instance. */
const LEAN_CREATE_OWN = `function rscTableCreateOwn(table, rep) {
    const free = table[0] & ~T_FLAG;
    if (free === 0) {
      table.push(0);
      table.push(rep | T_FLAG);
      return (table.length >> 1) - 1;
    }
    table[0] = table[free << 1];
    table[free << 1] = 0;
    table[(free << 1) + 1] = rep | T_FLAG;
    return free;
  }`;

export interface LeanResult {
  edits: Edit[];
  /** Null when applied; otherwise why the glue keeps jco's call path. */
  refused: string | null;
}

function whyNotSync(glue: Glue): string | null {
  for (const name of intrinsicsUsed(glue).keys()) {
    if (!SYNC_INTRINSICS.has(name) && !SYNC_INTRINSIC_PATTERNS.some((p) => p.test(name))) return `uses the intrinsic ${name}`;
  }
  for (const call of memberCalls(glue.generator)) {
    const [object, method] = call.split('.') as [string, string];
    if (TASK_OBJECTS.has(object) && !SYNC_TASK_METHODS.has(method)) return `calls ${call}`;
  }
  // Every call-site description (the generated code's object literals) must say sync.
  const flag = asyncFlag(glue);
  if (flag) return flag;
  if (glue.intrinsics.has('_lowerImportBackwardsCompat') && !glue.intrinsics.has('_checkMayLeave')) return "jco's glue has no _checkMayLeave";
  if (glue.intrinsics.has('LATTICE_SYNC_TASK')) return 'the glue is lean already';
  return null;
}

const ASYNC_FLAGS = new Set(['isAsync', 'funcTypeIsAsync', 'isManualAsync']);

/**
 * The first call-site flag in the generated code that says component-model async: anything but
 * `false`, `_trampolineN.manuallyAsync` (a JSPI import) or `isManualAsync: true` (a JSPI export).
 */
function asyncFlag(glue: Glue): string | null {
  let found: string | null = null;
  full(glue.generator, (node) => {
    const n = node as AstNode & { key?: AstNode & { name?: string }; value?: AstNode & { value?: unknown; property?: AstNode & { name?: string } } };
    if (found || n.type !== 'Property' || !n.key?.name || !ASYNC_FLAGS.has(n.key.name)) return;
    const value = n.value!;
    if (value.type === 'Literal' && (value.value === false || (value.value === true && n.key.name === 'isManualAsync'))) return;
    if (value.type === 'MemberExpression' && value.property?.name === 'manuallyAsync') return;
    found = `${n.key.name} is ${glue.source.slice(value.start, value.end)}`;
  });
  return found;
}

/** `_createdReps` is written (`= new Set()`, `.add`) and never read. */
function createdRepsUnread(glue: Glue): boolean {
  const uses = [...glue.source.matchAll(/\._createdReps\b(\s*=[^=]|\.add\()?/g)];
  return uses.every((m) => m[1] !== undefined);
}

export function leanSyncEdits(glue: Glue): LeanResult {
  const refused = whyNotSync(glue);
  if (refused) return { edits: [], refused };
  // A component without imports (or exports) has no glue for them: replace what is there.
  const edits: Edit[] = Object.entries(LEAN).flatMap(([name, text]) => {
    const node = glue.intrinsics.get(name);
    return node?.type === 'FunctionDeclaration' ? [{ start: node.start, end: node.end, text }] : [];
  });
  const createOwn = glue.intrinsics.get('rscTableCreateOwn');
  if (createOwn?.type === 'FunctionDeclaration' && createdRepsUnread(glue)) edits.push({ start: createOwn.start, end: createOwn.end, text: LEAN_CREATE_OWN });
  return { edits, refused: null };
}
