let preopened = false;

/**
 * jco's wasm-tools (types, embed) and componentize-js's splicer read WIT through preview2-shim's
 * filesystem, which exposes nothing until a preopen is added (docs/architecture.md, fact 7). Build-time
 * tools only: the host never calls this.
 */
export async function allowWitReads(): Promise<void> {
  if (preopened) return;
  const shim = (await import('@bytecodealliance/preview2-shim/filesystem')) as unknown as {
    _addPreopen(guestPath: string, hostPath: string): void;
  };
  shim._addPreopen('/', '/');
  preopened = true;
}
