import { ID_PATTERN } from './ids.js';
import { unknownInterfaceReason } from './interfaces.js';
import type { PathPart, ProblemList } from './problems.js';
import { asList, asString, isLinkTrait, linkTargetName, type RawComponent } from './raw-view.js';
import { DEFAULT_LINK_NAME } from './schema.js';

const WIT_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Links: targets exist in the manifest, capabilities link only to components, no two links of
 * one source bind the same interface under the same name, WIT names are well formed, known
 * packages are spelled right (warning), and deprecated forms are flagged (one warning per link).
 */
export function checkLinks(components: RawComponent[], problems: ProblemList): void {
  const byName = new Map<string, RawComponent>();
  for (const c of components) if (c.name !== undefined && !byName.has(c.name)) byName.set(c.name, c);

  for (const c of components) {
    const seen = new Map<string, number>();
    for (const t of c.traits.filter(isLinkTrait)) {
      const path: PathPart[] = ['spec', 'components', c.index, 'traits', t.index, 'properties'];
      const p = t.props;
      const target = linkTargetName(p);
      if (target !== undefined) {
        const targetComponent = byName.get(target);
        if (!targetComponent) {
          const known = [...byName.keys()].join(', ');
          problems.error([...path, 'target'], `link target "${target}" is not a component in this manifest (components: ${known})`);
        } else if (c.type === 'capability' && targetComponent.type === 'capability') {
          problems.error([...path, 'target'], `capability "${c.name}" links to capability "${target}": a capability can link only to components`);
        }
      }

      const namespace = asString(p.namespace);
      const pkg = asString(p.package);
      const interfaces = asList(p.interfaces).filter((i): i is string => typeof i === 'string');
      const name = asString(p.name) ?? DEFAULT_LINK_NAME;
      if (p.name !== undefined && !ID_PATTERN.test(name)) {
        problems.error([...path, 'name'], `link name "${name}" may contain only letters, digits, "-" and "_"`);
      }
      for (const [key, value] of [
        ['namespace', namespace],
        ['package', pkg],
      ] as const) {
        if (value !== undefined && !WIT_NAME.test(value)) problems.error([...path, key], `"${value}" is not a WIT name (lower-case letters, digits, "-")`);
      }
      interfaces.forEach((iface, i) => {
        if (!WIT_NAME.test(iface)) problems.error([...path, 'interfaces', i], `"${iface}" is not a WIT interface name`);
        if (namespace === undefined || pkg === undefined) return;
        const reason = unknownInterfaceReason(namespace, pkg, iface);
        if (reason) problems.warning([...path, 'interfaces', i], reason);
        const key = `${name}\u0000${namespace}:${pkg}/${iface}`;
        const first = seen.get(key);
        if (first !== undefined) {
          problems.error(
            [...path, 'interfaces', i],
            `duplicate link: ${namespace}:${pkg}/${iface} named "${name}" is already linked by traits[${first}] (give one link a distinct "name")`,
          );
        } else seen.set(key, t.index);
      });

      checkLinkForms(p, path, problems);
    }
  }
}

function checkLinkForms(p: Record<string, unknown>, path: PathPart[], problems: ProblemList): void {
  const deprecated: string[] = [];
  if (typeof p.target === 'string') deprecated.push('"target" as a string (use target.name)');
  if (p.source_config !== undefined) deprecated.push('"source_config" (use source.config)');
  if (p.target_config !== undefined) deprecated.push('"target_config" (use target.config)');
  if (deprecated.length > 0) problems.warning(path, `deprecated link form: ${deprecated.join(', ')}`);

  // wadm silently ignores one of the two in these combinations; we refuse to guess.
  if (p.source_config !== undefined && p.source !== undefined) {
    problems.error([...path, 'source_config'], '"source_config" and "source" are both set: move the config into source.config');
  }
  if (p.target_config !== undefined && typeof p.target === 'object' && p.target !== null) {
    problems.error([...path, 'target_config'], '"target_config" works only with "target" as a string: use target.config');
  }
}
