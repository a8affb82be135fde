/**
 * A tolerant view of a manifest that may be malformed. The semantic checks run on this view even
 * when the schema rejected something, so that one bad key does not hide a dangling link or a
 * duplicate name elsewhere: validation reports every problem at once.
 */
export type RawMap = Record<string, unknown>;

export interface RawTrait {
  index: number;
  type: string | undefined;
  props: RawMap;
}

export interface RawComponent {
  index: number;
  name: string | undefined;
  type: string | undefined;
  props: RawMap;
  traits: RawTrait[];
}

export interface RawConfigRef {
  name: string;
  properties: Record<string, unknown> | undefined;
  path: Array<string | number>;
}

export function asMap(value: unknown): RawMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as RawMap) : {};
}

export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function rawComponents(raw: unknown): RawComponent[] {
  return asList(asMap(asMap(raw).spec).components).map((entry, index) => {
    const map = asMap(entry);
    return {
      index,
      name: asString(map.name),
      type: asString(map.type),
      props: asMap(map.properties),
      traits: asList(map.traits).map((t, i) => ({ index: i, type: asString(asMap(t).type), props: asMap(asMap(t).properties) })),
    };
  });
}

/** `link`, plus wadm 0.x's `linkdef` (rejected as a type, but its target is still checked). */
export function isLinkTrait(t: RawTrait): boolean {
  return t.type === 'link' || t.type === 'linkdef';
}

/** The target component name of a link, in either the object or the deprecated string form. */
export function linkTargetName(props: RawMap): string | undefined {
  return typeof props.target === 'string' ? props.target : asString(asMap(props.target).name);
}

export function configRefs(value: unknown, path: Array<string | number>): RawConfigRef[] {
  const out: RawConfigRef[] = [];
  asList(value).forEach((entry, i) => {
    const name = asString(asMap(entry).name);
    const props = asMap(entry).properties;
    if (name !== undefined) {
      out.push({ name, properties: props === undefined ? undefined : asMap(props), path: [...path, i] });
    }
  });
  return out;
}

/** Every config entry of a component: its own, and those of its links' source and target. */
export function allConfigRefs(c: RawComponent): RawConfigRef[] {
  const base: Array<string | number> = ['spec', 'components', c.index];
  const refs = configRefs(c.props.config, [...base, 'properties', 'config']);
  for (const t of c.traits.filter(isLinkTrait)) {
    const tp: Array<string | number> = [...base, 'traits', t.index, 'properties'];
    refs.push(...configRefs(asMap(t.props.source).config, [...tp, 'source', 'config']));
    refs.push(...configRefs(asMap(t.props.target).config, [...tp, 'target', 'config']));
    refs.push(...configRefs(t.props.source_config, [...tp, 'source_config']));
    refs.push(...configRefs(t.props.target_config, [...tp, 'target_config']));
  }
  return refs;
}
