/**
 * The WIT check of an upgrade: a component that links target must keep exporting what they call.
 * A new image that drops such an export is refused before anything switches (the runtime's
 * `verifyUpgrade`), so the callers never meet a component that lost the function they link to.
 */
import type { Link } from '../../protocol/mod.js';

/** What `exports` (versioned WIT names of the new image) lacks of what `links` (to it) use. */
export function missingLinkedExports(links: readonly Link[], exports: readonly string[]): { missing: string[]; detail: string } | null {
  const exported = new Set(exports.map((name) => name.replace(/@[^/@]*$/, '')));
  const missing = new Set<string>();
  const uses: string[] = [];
  for (const link of links) {
    for (const iface of link.interfaces) {
      const name = `${link.wit_namespace}:${link.wit_package}/${iface}`;
      if (exported.has(name)) continue;
      missing.add(name);
      uses.push(`${name} (link from ${link.source_id}${link.name === 'default' ? '' : `, named ${link.name}`})`);
    }
  }
  if (missing.size === 0) return null;
  return {
    missing: [...missing],
    detail: `the new image does not export ${uses.join(', ')}; the running version keeps serving (delete or change those links first)`,
  };
}
