/**
 * Finding a function among a component instance's exports, as jco's glue lays them out: a
 * function at the top level, or one inside an interface object, under its WIT name or camelCase.
 */
import { InvocationFailure } from './invocation-failure.js';

/** A component instance's exports, as the glue's `instantiate` returns them. */
export type Exports = Record<string | symbol, Record<string, unknown> | ((...args: unknown[]) => unknown)>;

/** Where a function sits in an instance's exports: `exports[name]` or `exports[name][fn]`. */
export type FunctionPath = readonly [string] | readonly [string, string];

function unversioned(name: string): string {
  return name.replace(/@[^/]*$/, '');
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Finds `iface#fn` among the exports, matching the interface name with or without version. The
 * path is remembered per component version: every instance of it has the same exports.
 */
export function findFunction(instance: Exports, iface: string, fn: string, paths: Map<string, FunctionPath>): (...args: unknown[]) => unknown {
  const key = `${iface}#${fn}`;
  let path = paths.get(key);
  if (!path) {
    path = searchFunction(instance, iface, fn);
    paths.set(key, path);
  }
  const first = instance[path[0]];
  const found = path.length === 1 ? first : (first as Record<string, unknown>)[path[1]];
  return found as (...args: unknown[]) => unknown;
}

function searchFunction(instance: Exports, iface: string, fn: string): FunctionPath {
  const wanted = unversioned(iface);
  const available: string[] = [];
  for (const [name, value] of Object.entries(instance)) {
    if (!name.includes(':') && typeof value !== 'function') continue;
    if (typeof value === 'function') {
      available.push(name);
      if (iface === '' && (name === fn || name === camel(fn))) return [name];
      continue;
    }
    const fns = Object.keys(value).filter((k) => typeof value[k] === 'function');
    available.push(...fns.map((f) => `${name}#${f}`));
    if (unversioned(name) === wanted) {
      if (typeof value[fn] === 'function') return [name, fn];
      if (typeof value[camel(fn)] === 'function') return [name, camel(fn)];
    }
  }
  throw new InvocationFailure({ kind: 'export-not-found', message: `no export ${iface}#${fn}`, available });
}
