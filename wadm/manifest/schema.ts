import { z } from 'zod';

/**
 * wadm's OAM application manifest (`core.oam.dev/v1beta1`, `kind: Application`), field for field
 * as wadm's `wadm-types` crate reads it, including its aliases and deprecated forms (`type:
 * actor`, `replicas`, link `target` as a string, `source_config` / `target_config`). These schemas
 * describe the accepted *input*; `normalizeManifest` turns a valid input into the canonical form
 * the scheduler uses. No transforms here, so that the JSON Schema for editors can be generated
 * from the same objects.
 */

export const OAM_API_VERSION = 'core.oam.dev/v1beta1';
export const APPLICATION_KIND = 'Application';
export const VERSION_ANNOTATION = 'version';
export const DESCRIPTION_ANNOTATION = 'description';
/** Marks an application whose components other applications may reference (wadm's key). */
export const SHARED_ANNOTATION = 'experimental.wasmcloud.dev/shared';
/**
 * How spread entries divide their share over hosts (wadm/scalers/placement.ts): `even` (the
 * default) or `capacity` (in proportion to the hosts' CPUs). wadm itself ignores the annotation.
 */
export const PLACEMENT_ANNOTATION = 'lattice.dev/placement';
export const PLACEMENT_MODES = ['even', 'capacity'] as const;
/**
 * How many hosts an upgrade replaces a component's image on at once (wadm/scalers/upgrade-wave.ts):
 * a positive integer (default 1, host by host) or `all` (every host at once). wadm itself ignores it.
 */
export const UPGRADE_WAVE_ANNOTATION = 'lattice.dev/upgrade-wave';

/** The hosts per upgrade wave an annotation value asks for (Infinity for `all`); null when invalid. */
export function parseUpgradeWave(value: unknown): number | null {
  if (value === 'all') return Number.POSITIVE_INFINITY;
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,5}$/.test(value)) return null;
  return Number(value);
}
/** wadm's default weight of a spread entry without `weight`. */
export const DEFAULT_SPREAD_WEIGHT = 100;
export const DEFAULT_LINK_NAME = 'default';
export const SECRET_POLICY_TYPE = 'policy.secret.wasmcloud.dev/v1alpha1';

const StringMap = z.record(z.string(), z.string());

export const ConfigProperty = z
  .strictObject({
    name: z.string().min(1).describe('Config name. With `properties`, wadm creates it; without, it must exist.'),
    properties: StringMap.optional().describe('Values (strings) of a config wadm creates and owns'),
  })
  .describe('Named configuration, inline (with properties) or by reference');
export type ConfigProperty = z.infer<typeof ConfigProperty>;

export const SecretSourceProperty = z.strictObject({
  policy: z.string().min(1).describe(`Name of a policy of type ${SECRET_POLICY_TYPE}`),
  key: z.string().min(1),
  field: z.string().optional(),
  version: z.string().optional(),
});

export const SecretProperty = z.strictObject({
  name: z.string().min(1),
  properties: SecretSourceProperty,
});
export type SecretProperty = z.infer<typeof SecretProperty>;

export const SharedApplicationRef = z
  .strictObject({
    name: z.string().min(1).describe('Name of an application annotated experimental.wasmcloud.dev/shared: "true"'),
    component: z.string().min(1).describe('Name of the component in that application'),
  })
  .describe('Reference to a component of a shared application, instead of `image`');
export type SharedApplicationRef = z.infer<typeof SharedApplicationRef>;

export const ComponentProperties = z.strictObject({
  image: z.string().min(1).optional().describe('Image reference (OCI, file://...); exclusive with `application`'),
  application: SharedApplicationRef.optional(),
  id: z.string().min(1).optional().describe('Component id; default `<app>-<name>`, lower-cased, non-alphanumerics as "_"'),
  config: z.array(ConfigProperty).optional(),
  secrets: z.array(SecretProperty).optional(),
});
export type ComponentProperties = z.infer<typeof ComponentProperties>;

export const Spread = z.strictObject({
  name: z.string().min(1),
  requirements: StringMap.optional().describe('Host labels that must all match'),
  weight: z.number().int().nonnegative().optional().describe(`Relative share; default ${DEFAULT_SPREAD_WEIGHT}`),
});
export type Spread = z.infer<typeof Spread>;

export const ScalerProperties = z.strictObject({
  instances: z.number().int().nonnegative().optional().describe('How many instances (exactly one of instances/replicas)'),
  replicas: z.number().int().nonnegative().optional().describe('Alias of instances'),
  spread: z.array(Spread).optional(),
});
export type ScalerProperties = z.infer<typeof ScalerProperties>;

export const ConfigDefinition = z.strictObject({
  config: z.array(ConfigProperty).optional(),
  secrets: z.array(SecretProperty).optional(),
});

export const TargetConfig = z.strictObject({
  name: z.string().min(1).describe('Name of the target component in this manifest'),
  config: z.array(ConfigProperty).optional(),
  secrets: z.array(SecretProperty).optional(),
});

export const LinkProperties = z.strictObject({
  namespace: z.string().min(1).describe('WIT namespace, e.g. wasi'),
  package: z.string().min(1).describe('WIT package, e.g. http'),
  interfaces: z.array(z.string().min(1)).min(1),
  name: z.string().min(1).optional().describe(`Link name; default "${DEFAULT_LINK_NAME}"`),
  target: z.union([z.string().min(1).describe('Deprecated: use target.name'), TargetConfig]),
  source: ConfigDefinition.optional(),
  source_config: z.array(ConfigProperty).optional().describe('Deprecated: use source.config'),
  target_config: z.array(ConfigProperty).optional().describe('Deprecated: use target.config'),
});
export type LinkProperties = z.infer<typeof LinkProperties>;

export const TRAIT_TYPES = ['spreadscaler', 'daemonscaler', 'link'] as const;
export type TraitType = (typeof TRAIT_TYPES)[number];
export const SCALER_TRAITS: readonly TraitType[] = ['spreadscaler', 'daemonscaler'];

export const Trait = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('spreadscaler'), properties: ScalerProperties }),
  z.strictObject({ type: z.literal('daemonscaler'), properties: ScalerProperties }),
  z.strictObject({ type: z.literal('link'), properties: LinkProperties }),
]);
export type Trait = z.infer<typeof Trait>;

export const Component = z.discriminatedUnion('type', [
  z.strictObject({
    name: z.string().min(1),
    type: z.literal(['component', 'actor']).describe('`actor` is the deprecated name of `component`'),
    properties: ComponentProperties,
    traits: z.array(Trait).optional(),
  }),
  z.strictObject({
    name: z.string().min(1),
    type: z.literal('capability'),
    properties: ComponentProperties,
    traits: z.array(Trait).optional(),
  }),
]);
export type Component = z.infer<typeof Component>;

export const Policy = z.strictObject({
  name: z.string().min(1),
  type: z.string().min(1),
  properties: StringMap.optional(),
});
export type Policy = z.infer<typeof Policy>;

export const Metadata = z.strictObject({
  name: z.string().min(1).describe('Application name, unique per lattice (letters, digits, "-", "_")'),
  annotations: StringMap.optional().describe('`version`, `description` and any others (kept)'),
  labels: StringMap.optional(),
});

export const ManifestInput = z
  .strictObject({
    apiVersion: z.literal(OAM_API_VERSION),
    kind: z.literal(APPLICATION_KIND),
    metadata: Metadata,
    spec: z.strictObject({
      components: z.array(Component),
      policies: z.array(Policy).optional(),
    }),
  })
  .describe('wadm application manifest (OAM core.oam.dev/v1beta1 Application)');
export type ManifestInput = z.infer<typeof ManifestInput>;
