/**
 * Import names of a component's world (`wasi:http/types@0.2.0`, also package-level and bare
 * imports, unlike the protocol's interface names), semver-compatible matching, and the question
 * every scale asks: can this host satisfy each import of the component?
 */
import { versionsCompatible } from '../protocol/invocation.js';

export interface InterfaceName {
  namespace: string;
  package: string;
  /** `null` for a bare-function world import (no interface). */
  interface: string | null;
  version: string | null;
  /** `namespace:package/interface` without version. */
  unversioned: string;
  full: string;
}

const NAME = /^([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)(?:\/([a-z][a-z0-9-]*))?(?:@([0-9A-Za-z.+-]+))?$/;

/** Parses `ns:pkg/iface@1.2.3`; returns null for plain (unqualified) world imports. */
export function parseImportName(full: string): InterfaceName | null {
  const m = NAME.exec(full);
  if (!m) return null;
  const [, namespace, pkg, iface, version] = m;
  return {
    namespace: namespace!,
    package: pkg!,
    interface: iface ?? null,
    version: version ?? null,
    unversioned: iface ? `${namespace}:${pkg}/${iface}` : `${namespace}:${pkg}`,
    full,
  };
}

/**
 * True when an implementation of `provided` serves an import of `wanted`: the lattice's one
 * semver rule (`versionsCompatible` in protocol/invocation.ts: same major, same minor under 1.0,
 * pre-releases such as `0.2.0-draft` only match themselves). `provided` may also be a range
 * written `MAJOR.MINOR` (`0.2`: any 0.2.x), as the built-in WASI table does.
 */
export function versionCompatible(wanted: string | null, provided: string | null): boolean {
  const range = provided !== null && /^\d+\.\d+$/.test(provided);
  return versionsCompatible(wanted, range ? `${provided}.0` : provided);
}

/**
 * WASI interfaces the runtime implements itself, by unversioned name, with the compatible
 * version range (0.2.x). Denied capabilities (sockets, filesystem) are implemented too: they
 * answer `access-denied` rather than refusing the component.
 */
export const BUILTIN_WASI: ReadonlyMap<string, string> = new Map(
  [
    'wasi:io/error',
    'wasi:io/poll',
    'wasi:io/streams',
    'wasi:clocks/monotonic-clock',
    'wasi:clocks/wall-clock',
    'wasi:random/random',
    'wasi:random/insecure',
    'wasi:random/insecure-seed',
    'wasi:cli/environment',
    'wasi:cli/exit',
    'wasi:cli/stdin',
    'wasi:cli/stdout',
    'wasi:cli/stderr',
    'wasi:cli/terminal-input',
    'wasi:cli/terminal-output',
    'wasi:cli/terminal-stdin',
    'wasi:cli/terminal-stdout',
    'wasi:cli/terminal-stderr',
    'wasi:filesystem/types',
    'wasi:filesystem/preopens',
    'wasi:sockets/network',
    'wasi:sockets/instance-network',
    'wasi:sockets/ip-name-lookup',
    'wasi:sockets/tcp',
    'wasi:sockets/tcp-create-socket',
    'wasi:sockets/udp',
    'wasi:sockets/udp-create-socket',
    'wasi:http/types',
  ].map((n) => [n, '0.2']),
);

/**
 * WASI 0.3 interfaces the runtime serves a WASIp3 HTTP handler (wasip3.ts), with the compatible
 * version range: the http types it is handed and builds its response from, and the clocks types
 * those use (types only, no functions).
 */
export const BUILTIN_WASIP3: ReadonlyMap<string, string> = new Map([
  ['wasi:http/types', '0.3'],
  ['wasi:clocks/types', '0.3'],
]);

/**
 * Platform interfaces served by capability providers through the import handler. Listed with
 * the versions components built by other toolchains import (docs/architecture.md, fact 10).
 */
export const PLATFORM_INTERFACES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['wasi:keyvalue/store', ['0.2.0-draft']],
  ['wasi:keyvalue/atomics', ['0.2.0-draft']],
  ['wasi:keyvalue/batch', ['0.2.0-draft']],
  ['wasi:blobstore/blobstore', ['0.2.0-draft']],
  ['wasi:blobstore/container', ['0.2.0-draft']],
  ['wasi:blobstore/types', ['0.2.0-draft']],
  ['wasi:config/store', ['0.2.0-rc.1', '0.2.0-draft']],
  ['wasi:config/runtime', ['0.2.0-draft']],
  ['wasi:logging/logging', ['0.1.0-draft']],
  ['wasi:http/outgoing-handler', ['0.2']],
];

/** Decides whether an import can be served on this host. The link router supplies its own. */
export type CanSatisfy = (name: InterfaceName) => boolean;

/**
 * Default policy: built-in WASI, the platform interfaces above, and anything outside the `wasi`
 * namespace (a link to another component or provider could serve it, e.g. wasmcloud:messaging
 * or a custom interface).
 */
export const defaultCanSatisfy: CanSatisfy = (name) => {
  if (name.namespace !== 'wasi') return true;
  for (const table of [BUILTIN_WASI, BUILTIN_WASIP3]) {
    const builtin = table.get(name.unversioned);
    if (builtin !== undefined && versionCompatible(name.version, builtin)) return true;
  }
  if (name.unversioned === 'wasi:logging/logging' && name.version === null) return true;
  const platform = PLATFORM_INTERFACES.find(([n]) => n === name.unversioned);
  return platform?.[1].some((v) => versionCompatible(name.version, v)) ?? false;
};

/** True when the runtime itself implements the interface (the rest goes to the import handler). */
export function isBuiltin(unversioned: string): boolean {
  return BUILTIN_WASI.has(unversioned);
}

/**
 * Imports the worker answers without the import handler's providers (it calls the host itself):
 * a wasi:logging line is a notification the guest does not wait for (worker/wasi/logging.ts).
 */
const WORKER_IMPLEMENTED = new Set(['wasi:http/outgoing-handler', 'wasmcloud:bus/lattice', 'wasi:logging/logging']);

/**
 * True when the runtime's workers implement the interface; every other import is forwarded to
 * the host's import handler (a provider or another component, through a link).
 */
export function servedInWorker(unversioned: string): boolean {
  return BUILTIN_WASI.has(unversioned) || WORKER_IMPLEMENTED.has(unversioned);
}

/** Every import of the component that `canSatisfy` rejects, in the component's order. */
export function unsatisfiedImports(imports: readonly string[], canSatisfy: CanSatisfy): string[] {
  const missing: string[] = [];
  for (const full of imports) {
    const name = parseImportName(full);
    // A bare function import (`import foo: func()`) has no interface a host could offer.
    if (!name || !canSatisfy(name)) missing.push(full);
  }
  return missing;
}

/** Reads the import and export names out of `jco`'s `componentWit` output. */
export function worldItems(wit: string): { imports: string[]; exports: string[] } {
  const imports: string[] = [];
  const exports: string[] = [];
  // `import wasi:io/error@0.2.0;` or `import name: func(...)` (colon then space).
  for (const m of wit.matchAll(/^\s*(import|export)\s+([^\s;{]+?)\s*(?:;|:\s|\{)/gm)) {
    (m[1] === 'import' ? imports : exports).push(m[2]!.trim());
  }
  return { imports, exports };
}
