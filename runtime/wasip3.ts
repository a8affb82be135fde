/**
 * WASIp3 (WASI 0.3) components: those that import or export interfaces of the `wasi` namespace
 * at version 0.3. They rely on component-model async (async exports, streams, futures), which
 * jco's output runs only with JSPI, so Node 24 or newer. This runtime implements WASI 0.2 in its
 * workers (worker/wasi/) and not yet 0.3, so a host refuses such a component when it is scaled,
 * naming the interfaces, and on Node 20 the Node version they would need at the least.
 */
import { jspiAvailable } from './jspi.js';
import { parseImportName } from './imports.js';

/** The WASI 0.3 interfaces among a world's import and export names. */
export function wasip3Interfaces(names: readonly string[]): string[] {
  return names.filter((full) => {
    const name = parseImportName(full);
    return name?.namespace === 'wasi' && name.version !== null && /^0\.3\./.test(name.version);
  });
}

/** Why this host cannot run a component of these world items, or null when it is not WASIp3. */
export function wasip3Refusal(world: { imports: readonly string[]; exports: readonly string[] }, jspi = jspiAvailable()): string | null {
  const p3 = wasip3Interfaces([...world.imports, ...world.exports]);
  if (p3.length === 0) return null;
  const which = `a WASIp3 component (${p3.join(', ')})`;
  if (!jspi) return `${which} needs Node 24 or newer (JSPI); this host runs Node ${process.versions.node}, and does not run WASI 0.3 in any case yet`;
  return `${which}: this host implements WASI 0.2 only; build the component for WASI 0.2 (wasi:http@0.2.x incoming-handler)`;
}
