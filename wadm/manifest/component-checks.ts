import { componentId, configName, ID_PATTERN } from './ids.js';
import { formatPath, type PathPart, type ProblemList } from './problems.js';
import { allConfigRefs, asList, asMap, asString, type RawComponent } from './raw-view.js';
import { SCALER_TRAITS, SECRET_POLICY_TYPE, type TraitType } from './schema.js';

const isScaler = (type: string | undefined) => SCALER_TRAITS.includes(type as TraitType);

/** Names and ids unique, `image` xor `application`, deprecated `actor`, one valid scaler each. */
export function checkComponents(app: string, components: RawComponent[], problems: ProblemList): void {
  const byName = new Map<string, number>();
  const byId = new Map<string, { index: number; explicit: boolean }>();
  for (const c of components) {
    const base: PathPart[] = ['spec', 'components', c.index];
    if (c.name !== undefined) {
      const first = byName.get(c.name);
      if (first !== undefined) {
        problems.error([...base, 'name'], `duplicate component name "${c.name}" (first at spec.components[${first}])`);
      } else byName.set(c.name, c.index);
    }
    if (c.type === 'actor') problems.warning([...base, 'type'], 'type "actor" is deprecated: use "component"');

    const explicitId = asString(c.props.id);
    if (explicitId !== undefined && !ID_PATTERN.test(explicitId)) {
      problems.error([...base, 'properties', 'id'], `id "${explicitId}" may contain only letters, digits, "-" and "_"`);
    }
    if (c.name !== undefined && c.props.application === undefined) {
      const id = componentId(app, c.name, explicitId);
      const first = byId.get(id);
      // The same name twice is already reported; a second error about its derived id is noise.
      const sameName = first !== undefined && components[first.index]?.name === c.name;
      if (first !== undefined && !sameName) {
        const how = explicitId !== undefined && first.explicit ? '' : ' (ids default to <app>-<name>)';
        problems.error(
          [...base, ...(explicitId !== undefined ? ['properties', 'id'] : ['name'])],
          `duplicate component id "${id}" (also spec.components[${first.index}])${how}`,
        );
      } else if (first === undefined) byId.set(id, { index: c.index, explicit: explicitId !== undefined });
    }

    checkImageOrApplication(c, base, problems);
    checkScalers(c, base, problems);
  }
}

function checkImageOrApplication(c: RawComponent, base: PathPart[], problems: ProblemList): void {
  const hasImage = c.props.image !== undefined;
  const shared = c.props.application !== undefined;
  const props = [...base, 'properties'];
  if (hasImage && shared) problems.error(props, 'a component cannot have both "image" and "application"');
  else if (!hasImage && !shared) problems.error(props, 'a component needs either "image" or "application"');
  if (!shared) return;
  if (asList(c.props.config).length > 0) problems.error([...props, 'config'], 'a shared-application reference cannot add "config"');
  if (asList(c.props.secrets).length > 0) problems.error([...props, 'secrets'], 'a shared-application reference cannot add "secrets"');
  for (const t of c.traits.filter((t) => isScaler(t.type))) {
    problems.error([...base, 'traits', t.index], `a shared-application reference cannot have a ${t.type}: the shared application scales it`);
  }
}

function checkScalers(c: RawComponent, base: PathPart[], problems: ProblemList): void {
  const scalers = c.traits.filter((t) => isScaler(t.type));
  for (const extra of scalers.slice(1)) {
    problems.error([...base, 'traits', extra.index], `only one scaler per component (already a ${scalers[0]!.type} at traits[${scalers[0]!.index}])`);
  }
  for (const t of scalers) {
    const path = [...base, 'traits', t.index, 'properties'];
    const hasInstances = t.props.instances !== undefined;
    const hasReplicas = t.props.replicas !== undefined;
    if (hasInstances && hasReplicas) problems.error(path, '"instances" and its alias "replicas" are both set: keep one');
    else if (!hasInstances && !hasReplicas) problems.error([...path, 'instances'], 'is required');
    const instances = Number(t.props.instances ?? t.props.replicas ?? 0);
    const spread = asList(t.props.spread).map(asMap);
    const names = new Set<string>();
    spread.forEach((s, i) => {
      const name = asString(s.name);
      if (name === undefined) return;
      if (names.has(name)) problems.error([...path, 'spread', i, 'name'], `duplicate spread name "${name}"`);
      names.add(name);
    });
    const weights = spread.map((s) => (typeof s.weight === 'number' ? s.weight : 100));
    if (t.type === 'spreadscaler' && spread.length > 0 && instances > 0 && weights.every((w) => w === 0)) {
      problems.error([...path, 'spread'], 'every spread weight is 0: the instances cannot be split');
    }
  }
}

/**
 * Config names end up as KV keys; an inline config (with properties) defined twice under one
 * name with different values would make two parts of the app overwrite each other.
 */
export function checkConfigs(app: string, components: RawComponent[], problems: ProblemList): void {
  const inline = new Map<string, { path: PathPart[]; values: string }>();
  for (const c of components) {
    for (const ref of allConfigRefs(c)) {
      // A referenced name is used as written (a KV key); an inline one is sanitized into `<app>-<name>`.
      if (ref.properties === undefined) {
        if (!ID_PATTERN.test(ref.name)) {
          problems.error([...ref.path, 'name'], `config name "${ref.name}" may contain only letters, digits, "-" and "_"`);
        }
        continue;
      }
      const name = configName(app, ref.name, true);
      const values = JSON.stringify(Object.entries(ref.properties).sort(([a], [b]) => a.localeCompare(b)));
      const first = inline.get(name);
      if (first && first.values !== values) {
        problems.error(
          [...ref.path, 'name'],
          `config "${ref.name}" (stored as "${name}") is defined again with different properties (first at ${formatPath(first.path)})`,
        );
      } else if (!first) inline.set(name, { path: ref.path, values });
    }
  }
}

/** Every secret must name a policy of the secret type that has a `backend` (wadm's rule). */
export function checkSecrets(raw: unknown, components: RawComponent[], problems: ProblemList): void {
  const policies = new Map<string, Record<string, unknown>>();
  for (const p of asList(asMap(asMap(raw).spec).policies).map(asMap)) {
    const name = asString(p.name);
    if (name !== undefined) policies.set(name, p);
  }
  for (const c of components) {
    const base: PathPart[] = ['spec', 'components', c.index];
    const lists: Array<{ value: unknown; path: PathPart[] }> = [{ value: c.props.secrets, path: [...base, 'properties', 'secrets'] }];
    for (const t of c.traits.filter((t) => t.type === 'link')) {
      const tp = [...base, 'traits', t.index, 'properties'];
      lists.push({ value: asMap(t.props.source).secrets, path: [...tp, 'source', 'secrets'] });
      lists.push({ value: asMap(t.props.target).secrets, path: [...tp, 'target', 'secrets'] });
    }
    for (const { value, path } of lists) {
      asList(value).forEach((entry, i) => {
        const secret = asString(asMap(entry).name) ?? `#${i}`;
        const policyName = asString(asMap(asMap(entry).properties).policy);
        if (policyName === undefined) return;
        const policy = policies.get(policyName);
        const at = [...path, i, 'properties', 'policy'];
        if (!policy) problems.error(at, `secret "${secret}" names unknown policy "${policyName}"`);
        else if (policy.type !== SECRET_POLICY_TYPE)
          problems.error(at, `secret "${secret}" names policy "${policyName}", which is not of type ${SECRET_POLICY_TYPE}`);
        else if (asMap(policy.properties).backend === undefined)
          problems.error(at, `secret "${secret}" names policy "${policyName}", which has no "backend" property`);
      });
    }
  }
}
