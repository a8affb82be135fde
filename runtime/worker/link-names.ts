/**
 * `wasmcloud:bus/lattice@1.0.0`: a component that imports one interface through several links
 * (two key-value buckets, a cache and a store) picks the link by name before calling:
 * `set-link-name("cache", [call-target-interface("wasi", "keyvalue", "store")])`. The choice
 * holds for the rest of the invocation; each invocation starts with every interface on
 * `default` (instances are fresh per invocation unless reused, and a reused instance must not
 * inherit the last request's choice).
 *
 * The choices are the running invocation's (invocation-state.ts): a new invocation starts with
 * none, and one that resumes after a suspension (JSPI) finds its own.
 */
import { invocation } from './invocation-state.js';

/** The link name the running invocation chose for `ns:pkg/iface` (unversioned). */
export function linkNameFor(unversioned: string): string {
  return invocation.current.linkNames?.get(unversioned) ?? 'default';
}

/** The resource a guest constructs to name an interface. */
class CallTargetInterface {
  readonly key: string;
  constructor(namespace: string, pkg: string, iface: string) {
    this.key = `${namespace}:${pkg}/${iface}`;
  }
}

/** The import object of `wasmcloud:bus/lattice`. */
export function latticeBusImports(): Record<string, unknown> {
  return {
    CallTargetInterface,
    setLinkName(name: string, interfaces: CallTargetInterface[]): void {
      const state = invocation.current;
      state.linkNames ??= new Map();
      for (const target of interfaces) state.linkNames.set(target.key, name);
    },
  };
}
