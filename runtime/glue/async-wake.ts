/**
 * Component-model async glue (jco 1.35) resumes suspended guest tasks from a polling loop:
 * `ComponentAsyncState#runTickLoop` starts 10 ms after a task suspends, then ticks every 10 ms
 * while a task waits and `setTimeout(0)` (at least 1 ms in Node) after each resumption. A WASIp3
 * HTTP handler suspends at least once per request (its body write waits for the host to read),
 * so a request cost 13-17 ms of waiting and the worker sat idle (docs/performance.md). This edit
 * keeps the loop and what a tick does, and changes when ticks happen: a waitable that gets an
 * event (`Waitable#setPendingEvent`, where every stream, future and subtask event lands) wakes a
 * sleeping loop at the next macrotask, and the re-tick after a resumption waits a macrotask
 * (`setImmediate`, after the resumed slice's microtasks) instead of a timer. The 10 ms timer stays
 * as the fallback for what no event announces. Refused, with the reason, on glue of another shape.
 */
import type { Node } from 'acorn';
import { full } from 'acorn-walk';
import type { AstNode, Edit, Glue } from './ast.js';

export interface AsyncWakeEdits {
  edits: Edit[];
  /** Null when applied (or when the glue has no async machinery), else why not. */
  refused: string | null;
}

/**
 * Helpers inserted at the start of `instantiate`: a sleep a pending event cuts short, and
 * `setInterval`/`clearInterval` shadowed so that the glue's 1 ms polls (a host stream or future
 * end waiting for its event) also run when an event arrives.
 */
const HELPERS = `const _tickSleepers = new Set();
    const _tickPollers = new Map();
    const setInterval = (fn, ms) => { const id = globalThis.setInterval(fn, ms); _tickPollers.set(id, fn); return id; };
    const clearInterval = (id) => { _tickPollers.delete(id); globalThis.clearInterval(id); };
    let _tickWakeScheduled = false;
    function _tickSleep(ms) {
      return new Promise((resolve) => {
        const done = () => { clearTimeout(timer); _tickSleepers.delete(done); resolve(); };
        const timer = ms === 0 ? null : setTimeout(done, ms);
        _tickSleepers.add(done);
        if (ms === 0) _wakeTicks();
      });
    }
    function _wakeTicks() {
      if (_tickWakeScheduled || (_tickSleepers.size === 0 && _tickPollers.size === 0)) return;
      _tickWakeScheduled = true;
      setImmediate(() => {
        _tickWakeScheduled = false;
        for (const done of [..._tickSleepers]) done();
        for (const [id, poll] of [..._tickPollers]) if (_tickPollers.has(id)) poll();
      });
    }
    `;

/** A method of a class declared among `instantiate`'s intrinsics (so in the helpers' scope). */
function method(glue: Glue, className: string, name: string): AstNode | null {
  const declaration = glue.intrinsics.get(className);
  if (declaration?.type !== 'ClassDeclaration') return null;
  const members = (declaration.body as AstNode & { body: AstNode[] }).body;
  return members.find((m) => m.type === 'MethodDefinition' && (m.key as AstNode & { name?: string }).name === name) ?? null;
}

const text = (glue: Glue, node: Node): string => glue.source.slice(node.start, node.end);

export function asyncWakeEdits(glue: Glue): AsyncWakeEdits {
  if (!glue.intrinsics.has('ComponentAsyncState')) return { edits: [], refused: null };
  if (glue.intrinsics.has('setInterval') || glue.intrinsics.has('clearInterval')) return { edits: [], refused: 'the glue declares setInterval itself' };
  const loop = method(glue, 'ComponentAsyncState', 'runTickLoop');
  const setPending = method(glue, 'Waitable', 'setPendingEvent');
  if (!loop || !setPending) return { edits: [], refused: 'no ComponentAsyncState#runTickLoop or Waitable#setPendingEvent' };
  // `setTimeout(async () => {...}, 10)` starting the loop, and `new Promise((resolve) => setTimeout(resolve, delay))` between ticks.
  const starts: AstNode[] = [];
  const sleeps: AstNode[] = [];
  full(loop, (node) => {
    const n = node as AstNode;
    const args = n.arguments as AstNode[] | undefined;
    if (n.type === 'CallExpression' && (n.callee as AstNode & { name?: string }).name === 'setTimeout' && args?.length === 2) {
      if (args[0]!.type === 'ArrowFunctionExpression' && (args[0] as AstNode).async) starts.push(n);
    }
    if (n.type === 'NewExpression' && (n.callee as AstNode & { name?: string }).name === 'Promise' && /setTimeout\(resolve, (\w+)\)/.test(text(glue, n)))
      sleeps.push(n);
  });
  if (starts.length !== 1 || sleeps.length !== 1) return { edits: [], refused: 'runTickLoop is not a setTimeout loop of the known shape' };
  const [start] = starts as [AstNode];
  const [callback, delay] = start.arguments as [AstNode, AstNode];
  const sleepDelay = /setTimeout\(resolve, (\w+)\)/.exec(text(glue, sleeps[0]!))![1]!;
  const pendingBody = (setPending.value as AstNode).body as AstNode;
  return {
    edits: [
      { start: glue.instantiateBody.start, end: glue.instantiateBody.start, text: HELPERS },
      // Around the callback, not over it: the sleep between ticks inside it is edited too.
      { start: start.start, end: callback.start, text: `_tickSleep(${text(glue, delay)}).then(` },
      { start: callback.end, end: start.end, text: ')' },
      { start: sleeps[0]!.start, end: sleeps[0]!.end, text: `_tickSleep(${sleepDelay})` },
      { start: pendingBody.end - 1, end: pendingBody.end - 1, text: ' _wakeTicks(); ' },
    ],
    refused: null,
  };
}
