/**
 * Gives the runtime a handle on the JavaScript half of a component instance's state, so that an
 * instance can be put back to its post-instantiation state (the WebAssembly half, memories,
 * tables and globals, is reached through the core instances: see worker/instance-reset.ts).
 *
 * jco keeps that half in variables of the generator that instantiates the component: one resource
 * handle table per resource type (`handleTableN`), the host objects handed to the guest by rep
 * (`captureTableN`), the next rep (`captureCntN`), and the borrows of the call in progress
 * (`curResourceBorrows`). The hook is a function declared next to them; the exports object gets
 * it under `Symbol.for('lattice.glue-state')`.
 */
import { generatorNames, type Edit, type Glue } from './ast.js';
import { GLUE_STATE } from './hook.js';

export function stateHookEdits(glue: Glue): { edits: Edit[]; refused: string | null } {
  if (generatorNames(glue, /^latticeGlueState$/).length > 0) return { edits: [], refused: 'the glue already has a state hook' };
  const tables = generatorNames(glue, /^handleTable\d+$/);
  if (tables.length > 0 && !glue.intrinsics.has('T_FLAG')) return { edits: [], refused: 'no T_FLAG intrinsic' };
  const captures = generatorNames(glue, /^captureTable\d+$/);
  const counters = generatorNames(glue, /^captureCnt\d+$/);
  const dispose = glue.intrinsics.has('symbolDispose') ? 'symbolDispose' : 'Symbol.dispose';
  // jco declares handleTableN, captureTableN and captureCntN together for resource type N.
  const captureOf = (table: string): string => {
    const capture = table.replace('handleTable', 'captureTable');
    return captures.includes(capture) ? capture : 'undefined';
  };
  const hook = `
  const latticeGlueState = (() => {
    const tables = [${tables.join(', ')}];
    const tableCaptures = [${tables.map(captureOf).join(', ')}];
    const savedTables = tables.map((t) => t.slice());
    const captures = [${captures.join(', ')}];
    const savedCaptures = captures.map((m) => [...m]);
    const savedCounters = [${counters.join(', ')}];
    const isLive = (t, s, j) => (t[j] & T_FLAG) === 0 && t[j + 1] !== 0 && (t[j] !== s[j] || t[j + 1] !== s[j + 1]);
    return {
      liveHandles() {
        let live = 0;
        for (let i = 0; i < tables.length; i++) {
          for (let j = 2; j < tables[i].length; j += 2) if (isLive(tables[i], savedTables[i], j)) live++;
        }
        return live;
      },
      restore() {
        for (let i = 0; i < tables.length; i++) {
          const t = tables[i];
          const s = savedTables[i];
          const capture = tableCaptures[i];
          // Host objects the guest still owns: release them as its drop would have.
          for (let j = 2; capture && j < t.length; j += 2) {
            if (!isLive(t, s, j) || (t[j + 1] & T_FLAG) === 0) continue;
            const held = capture.get(t[j + 1] & ~T_FLAG);
            if (held && typeof held[${dispose}] === 'function') {
              try { held[${dispose}](); } catch {}
            }
          }
          t.length = s.length;
          for (let j = 0; j < s.length; j++) t[j] = s[j];
        }
        // Per request: a Map's clear() allocates a new table, so an empty one is left as it is.
        for (let i = 0; i < captures.length; i++) {
          const saved = savedCaptures[i];
          if (captures[i].size === 0 && saved.length === 0) continue;
          captures[i].clear();
          for (let k = 0; k < saved.length; k++) captures[i].set(saved[k][0], saved[k][1]);
        }
        ${counters.map((name, i) => `${name} = savedCounters[${i}];`).join(' ')}
        ${glue.intrinsics.has('curResourceBorrows') ? 'if (curResourceBorrows.length > 0) curResourceBorrows = [];' : ''}
      },
    };
  })();
  `;
  const ret = glue.exportsReturn;
  const objectStart = ret.argument.start + 1;
  return {
    edits: [
      { start: ret.start, end: ret.start, text: hook },
      { start: objectStart, end: objectStart, text: ` [Symbol.for('${GLUE_STATE}')]: latticeGlueState,` },
    ],
    refused: null,
  };
}
