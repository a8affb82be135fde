import type { ConfigValues } from '../../protocol/mod.js';
import { configName, secretName } from '../manifest/ids.js';
import type { AppComponent, AppManifest } from '../manifest/model.js';
import type { ConfigProperty, SecretProperty } from '../manifest/schema.js';
import { scalerId } from './annotations.js';
import type { Command, ScalerStatus } from './types.js';

/** Config names to hand to a component or provider, app-scoped for inline config. */
export function configNames(app: string, configs: readonly ConfigProperty[]): string[] {
  return configs.map((c) => configName(app, c.name, c.properties !== undefined));
}

function everyConfig(c: AppComponent): ConfigProperty[] {
  return [...c.config, ...c.links.flatMap((l) => [...l.source_config.config, ...l.target_config.config])];
}

function everySecret(c: AppComponent): SecretProperty[] {
  return [...c.secrets, ...c.links.flatMap((l) => [...l.source_config.secrets, ...l.target_config.secrets])];
}

/**
 * The reference wadm writes for a manifest secret (wasmCloud's `SECRET_<app>-<name>` config): the
 * name the provider sees it by and the stored secret it points at (providers/sdk/secrets.ts).
 */
function secretReference(secret: SecretProperty): ConfigValues {
  const { policy, key, field, version } = secret.properties;
  return {
    name: secret.name,
    key,
    policy,
    ...(field === undefined ? {} : { field }),
    ...(version === undefined ? {} : { version }),
  };
}

/** Config the app creates and owns: inline config and secret references, app-scoped name -> values. */
export function ownedConfigs(manifest: AppManifest): Map<string, ConfigValues> {
  const out = new Map<string, ConfigValues>();
  for (const c of manifest.components) {
    for (const cfg of everyConfig(c)) {
      if (cfg.properties) out.set(configName(manifest.name, cfg.name, true), cfg.properties);
    }
    for (const secret of everySecret(c)) out.set(secretName(manifest.name, secret.name), secretReference(secret));
  }
  return out;
}

/** Config the app only references: it must exist; wadm never creates or deletes it. */
export function referencedConfigs(manifest: AppManifest): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of manifest.components) {
    for (const cfg of everyConfig(c)) if (!cfg.properties) out.set(cfg.name, c.name);
  }
  return out;
}

function sameValues(a: ConfigValues, b: ConfigValues): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/**
 * Puts the app's inline config that is missing or differs; deletes config the previous version
 * owned and this one does not. Referenced config that does not exist makes the scaler wait.
 */
export function configScaler(
  manifest: AppManifest,
  previous: AppManifest | null,
  observed: Record<string, ConfigValues>,
): { commands: Command[]; status: ScalerStatus } {
  const commands: Command[] = [];
  const wanted = ownedConfigs(manifest);
  for (const [name, values] of wanted) {
    const have = observed[name];
    if (!have || !sameValues(have, values)) commands.push({ type: 'put_config', name, values });
  }
  if (previous) {
    for (const name of ownedConfigs(previous).keys()) {
      if (!wanted.has(name) && observed[name] !== undefined) commands.push({ type: 'delete_config', name });
    }
  }
  const missing = [...referencedConfigs(manifest)].filter(([name]) => observed[name] === undefined);
  const id = scalerId('config', manifest.name);
  const status: ScalerStatus = missing.length
    ? {
        id,
        kind: 'config',
        component: manifest.name,
        state: 'waiting',
        message: `waiting for config that the manifest references but does not define: ${missing.map(([n, c]) => `${n} (${c})`).join(', ')}`,
      }
    : {
        id,
        kind: 'config',
        component: manifest.name,
        state: commands.length ? 'reconciling' : 'deployed',
        message: commands.length ? `${commands.length} config change(s)` : `${wanted.size} config(s) in place`,
      };
  return { commands, status };
}

/** Deletes every inline config the app created (undeploy). */
export function removeConfigs(previous: AppManifest, observed: Record<string, ConfigValues>): Command[] {
  return [...ownedConfigs(previous).keys()].filter((name) => observed[name] !== undefined).map((name) => ({ type: 'delete_config' as const, name }));
}

/** Every config name the manifests own or reference (the observer watches these). */
export function configsOf(...manifests: Array<AppManifest | null>): string[] {
  const names = new Set<string>();
  for (const m of manifests) {
    if (!m) continue;
    for (const n of ownedConfigs(m).keys()) names.add(n);
    for (const n of referencedConfigs(m).keys()) names.add(n);
  }
  return [...names];
}
