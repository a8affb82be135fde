import { componentId } from './ids.js';
import {
  DEFAULT_LINK_NAME,
  DEFAULT_SPREAD_WEIGHT,
  DESCRIPTION_ANNOTATION,
  SHARED_ANNOTATION,
  VERSION_ANNOTATION,
  type ConfigProperty,
  type ManifestInput,
  type Policy,
  type SecretProperty,
  type SharedApplicationRef,
} from './schema.js';

/**
 * The canonical form of a valid manifest, what the store keeps and the scalers read: aliases and
 * deprecated forms resolved (`actor` -> component, `replicas` -> instances, string targets and
 * `*_config` -> objects), defaults filled in, and component ids computed.
 */
export interface AppSpread {
  name: string;
  requirements: Record<string, string>;
  weight: number;
}

export interface AppScaler {
  type: 'spreadscaler' | 'daemonscaler';
  instances: number;
  spread: AppSpread[];
}

export interface ConfigSet {
  config: ConfigProperty[];
  secrets: SecretProperty[];
}

export interface AppLink {
  name: string;
  namespace: string;
  package: string;
  interfaces: string[];
  /** Name of the target component in this manifest. */
  target: string;
  source_config: ConfigSet;
  target_config: ConfigSet;
}

export interface AppComponent {
  name: string;
  kind: 'component' | 'capability';
  /** Lattice id: explicit `id`, else derived from the app (or the shared app) and the name. */
  id: string;
  image?: string;
  application?: SharedApplicationRef;
  config: ConfigProperty[];
  secrets: SecretProperty[];
  /** Absent: nothing is run for this component (shared references; components without a scaler). */
  scaler?: AppScaler;
  links: AppLink[];
}

export interface AppManifest {
  name: string;
  /** The `version` annotation, or undefined (the store then generates one). */
  version?: string;
  description?: string;
  shared: boolean;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  components: AppComponent[];
  policies: Policy[];
}

export function normalizeManifest(input: ManifestInput): AppManifest {
  const app = input.metadata.name;
  const annotations = input.metadata.annotations ?? {};
  return {
    name: app,
    version: annotations[VERSION_ANNOTATION],
    description: annotations[DESCRIPTION_ANNOTATION],
    shared: annotations[SHARED_ANNOTATION] === 'true',
    annotations,
    labels: input.metadata.labels ?? {},
    policies: input.spec.policies ?? [],
    components: input.spec.components.map((c): AppComponent => {
      const p = c.properties;
      let scaler: AppScaler | undefined;
      const links: AppLink[] = [];
      for (const t of c.traits ?? []) {
        if (t.type === 'link') {
          const l = t.properties;
          const targetObject = typeof l.target === 'string' ? { name: l.target } : l.target;
          links.push({
            name: l.name ?? DEFAULT_LINK_NAME,
            namespace: l.namespace,
            package: l.package,
            interfaces: l.interfaces,
            target: targetObject.name,
            source_config: {
              config: l.source?.config ?? l.source_config ?? [],
              secrets: l.source?.secrets ?? [],
            },
            target_config: {
              config: 'config' in targetObject && targetObject.config ? targetObject.config : (l.target_config ?? []),
              secrets: 'secrets' in targetObject && targetObject.secrets ? targetObject.secrets : [],
            },
          });
        } else if (scaler === undefined) {
          scaler = {
            type: t.type,
            instances: t.properties.instances ?? t.properties.replicas ?? 0,
            spread: (t.properties.spread ?? []).map((s) => ({
              name: s.name,
              requirements: s.requirements ?? {},
              weight: s.weight ?? DEFAULT_SPREAD_WEIGHT,
            })),
          };
        }
      }
      const kind = c.type === 'capability' ? 'capability' : 'component';
      // wadm runs a capability without a scaler trait as one instance somewhere.
      if (kind === 'capability' && scaler === undefined && p.image !== undefined) {
        scaler = { type: 'spreadscaler', instances: 1, spread: [] };
      }
      return {
        name: c.name,
        kind,
        id: p.application ? componentId(p.application.name, p.application.component, p.id) : componentId(app, c.name, p.id),
        image: p.image,
        application: p.application,
        config: p.config ?? [],
        secrets: p.secrets ?? [],
        scaler: p.application ? undefined : scaler,
        links,
      };
    }),
  };
}
