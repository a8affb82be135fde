/**
 * `wasmcloud:bus/lattice@1.0.0`: a component that imports one interface through several links
 * (two key-value buckets, a cache and a store) picks the link by name before calling:
 * `set-link-name("cache", [call-target-interface("wasi", "keyvalue", "store")])`. The choice
 * holds for the rest of the invocation; each invocation starts with every interface on
 * `default` (instances are fresh per invocation unless reused, and a reused instance must not
 * inherit the last request's choice).
 *
 * A worker runs one invocation at a time, so one table per worker is the invocation's table.
 */
const selected = new Map<string, string>();

/** The link name the running invocation chose for `ns:pkg/iface` (unversioned). */
export function linkNameFor(unversioned: string): string {
  return selected.get(unversioned) ?? 'default';
}

/** Called at the start of every invocation. */
export function resetLinkNames(): void {
  selected.clear();
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
      for (const target of interfaces) selected.set(target.key, name);
    },
  };
}
