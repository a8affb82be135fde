/**
 * Interfaces the host and its providers know, by namespace and package (wadm keeps the same kind
 * of list). A link to an unknown package or interface inside one of these namespaces is probably
 * a typo, so it is a warning; other namespaces are custom interfaces and are not checked.
 */
const KNOWN: Record<string, Record<string, readonly string[]>> = {
  wasi: {
    // `handler`: WASI 0.3's name for a WASIp3 component's HTTP export (the http-server serves it).
    http: ['incoming-handler', 'outgoing-handler', 'handler'],
    keyvalue: ['store', 'atomics', 'batch', 'watch'],
    blobstore: ['blobstore', 'container', 'types'],
    config: ['runtime', 'store'],
    logging: ['logging'],
  },
  wasmcloud: {
    messaging: ['consumer', 'handler', 'types'],
  },
  wrpc: {
    http: ['incoming-handler', 'outgoing-handler'],
    keyvalue: ['store', 'atomics'],
    blobstore: ['blobstore'],
  },
};

/** Returns why `ns:pkg/iface` looks wrong, or null when it is known or in a custom namespace. */
export function unknownInterfaceReason(namespace: string, pkg: string, iface: string): string | null {
  const packages = KNOWN[namespace];
  if (!packages) return null;
  const interfaces = packages[pkg];
  if (!interfaces) return `unknown package ${namespace}:${pkg} (known: ${Object.keys(packages).join(', ')})`;
  if (!interfaces.includes(iface)) {
    return `unknown interface ${namespace}:${pkg}/${iface} (known: ${interfaces.join(', ')})`;
  }
  return null;
}
