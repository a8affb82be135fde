/**
 * The parts of jco's generated glue the transforms work on, found by parsing it (acorn) rather
 * than by matching text: `instantiate`'s top-level declarations (jco's intrinsics: helpers, the
 * async task machinery), and the `_initGenerator` function that instantiates the core modules and
 * holds the per-instance state (handle tables, trampolines, exports).
 */
import { parse, type Node } from 'acorn';
import { full } from 'acorn-walk';

/** acorn's ESTree nodes, typed as far as the transforms read them. */
export interface AstNode extends Node {
  [key: string]: unknown;
}

export interface Glue {
  source: string;
  program: AstNode;
  /** `instantiate`'s top-level statements: jco's intrinsics, then `let gen = (function* ...)`. */
  intrinsics: Map<string, AstNode>;
  /** `instantiate`'s first statement (where declarations all of its code sees can go). */
  instantiateBody: AstNode;
  /** The generator function (`_initGenerator`) whose body instantiates one component instance. */
  generator: AstNode;
  /** The generator's top-level statements. */
  generatorBody: AstNode[];
  /** The generator's last statement: `return { <exports> }`. */
  exportsReturn: AstNode & { argument: AstNode & { properties: AstNode[] } };
}

export class GlueShapeError extends Error {
  override name = 'GlueShapeError';
}

function declaredNames(statement: AstNode): string[] {
  if (statement.type === 'FunctionDeclaration' || statement.type === 'ClassDeclaration') return [(statement.id as AstNode & { name: string }).name];
  if (statement.type === 'VariableDeclaration') {
    return (statement.declarations as Array<AstNode & { id: AstNode & { name?: string } }>).flatMap((d) => (d.id.name ? [d.id.name] : []));
  }
  return [];
}

/** Parses the glue of `jco transpile --instantiation sync`; throws GlueShapeError on any other shape. */
export function readGlue(source: string): Glue {
  const program = parse(source, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as AstNode & { body: AstNode[] };
  const exported = program.body.find(
    (n) => n.type === 'ExportNamedDeclaration' && ((n.declaration as AstNode | null)?.id as (AstNode & { name: string }) | undefined)?.name === 'instantiate',
  );
  if (!exported) throw new GlueShapeError('no exported instantiate function');
  const body = ((exported.declaration as AstNode).body as AstNode & { body: AstNode[] }).body;
  const intrinsics = new Map<string, AstNode>();
  for (const statement of body) for (const name of declaredNames(statement)) intrinsics.set(name, statement);
  const genDeclaration = intrinsics.get('gen');
  const init = (genDeclaration?.declarations as Array<AstNode & { init: AstNode }> | undefined)?.[0]?.init;
  const callee = init?.type === 'CallExpression' ? (init.callee as AstNode) : undefined;
  if (callee?.type !== 'FunctionExpression' || !callee.generator) throw new GlueShapeError('no _initGenerator');
  const generatorBody = (callee.body as AstNode & { body: AstNode[] }).body;
  const last = generatorBody.at(-1);
  if (last?.type !== 'ReturnStatement' || (last.argument as AstNode | null)?.type !== 'ObjectExpression') {
    throw new GlueShapeError('the generator does not end by returning the exports object');
  }
  return { source, program, intrinsics, instantiateBody: body[0]!, generator: callee, generatorBody, exportsReturn: last as Glue['exportsReturn'] };
}

/** Names of `instantiate`-level declarations the generator refers to, with counts. */
export function intrinsicsUsed(glue: Glue): Map<string, number> {
  const used = new Map<string, number>();
  full(glue.generator, (node) => {
    const n = node as AstNode & { name?: string };
    if (n.type === 'Identifier' && n.name && glue.intrinsics.has(n.name)) used.set(n.name, (used.get(n.name) ?? 0) + 1);
  });
  return used;
}

/** Every expression statement `name(...);` in `root`. */
export function callStatements(root: AstNode, name: string): AstNode[] {
  const found: AstNode[] = [];
  full(root, (node) => {
    const n = node as AstNode;
    if (n.type !== 'ExpressionStatement') return;
    const expression = n.expression as AstNode;
    if (expression.type === 'CallExpression' && (expression.callee as AstNode & { name?: string }).name === name) found.push(n);
  });
  return found;
}

/** Every `x.method(...)` call in `root`, as `x.method`. */
export function memberCalls(root: AstNode): Set<string> {
  const calls = new Set<string>();
  full(root, (node) => {
    const n = node as AstNode;
    if (n.type !== 'CallExpression') return;
    const callee = n.callee as AstNode;
    if (callee.type !== 'MemberExpression') return;
    const object = callee.object as AstNode & { name?: string };
    const property = callee.property as AstNode & { name?: string };
    if (object.type === 'Identifier' && property.type === 'Identifier') calls.add(`${object.name}.${property.name}`);
  });
  return calls;
}

/** Generator-level declarations whose name matches `pattern` (`handleTable3`, `captureCnt0`...). */
export function generatorNames(glue: Glue, pattern: RegExp): string[] {
  return glue.generatorBody.flatMap(declaredNames).filter((name) => pattern.test(name));
}

export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping edits; an edit inside a larger replaced range is dropped. */
export function applyEdits(source: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Edit[] = [];
  for (const edit of sorted) {
    const last = kept.at(-1);
    if (last && edit.start < last.end) continue;
    kept.push(edit);
  }
  let out = '';
  let at = 0;
  for (const edit of kept) {
    out += source.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + source.slice(at);
}
