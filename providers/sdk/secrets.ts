import type { ConfigSource } from './config.js';

/**
 * Reads one stored secret by name: its value, or null when it does not exist. Throws (e.g.
 * SecretUnavailableError) when it exists but cannot be opened (no key, another key).
 */
export type SecretSource = (name: string) => string | null;

/**
 * A name given to a provider or a link is either a stored secret or a *reference*: a config of
 * that name written by wadm for a manifest's `secrets` entry (`SECRET_<app>-<name>`, wasmCloud's
 * convention) holding `name` (what the provider sees), `key` (the stored secret) and optionally
 * `field` (a field of a JSON-object secret).
 */
export interface ResolvedSecrets {
  /** Values by the name the provider sees. */
  values: Record<string, string>;
  /** Names that resolve to nothing, with why. */
  problems: string[];
}

/** The name a grant is seen by: a reference's `name`, else the grant's own. */
export function shownName(grant: string, configs: ConfigSource): string {
  return configs(grant)?.name ?? grant;
}

export function resolveSecrets(names: readonly string[], secrets: SecretSource | undefined, configs: ConfigSource): ResolvedSecrets {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const name of names) {
    const reference = configs(name);
    const key = reference?.key ?? name;
    const shownAs = shownName(name, configs);
    try {
      if (!secrets) throw new Error('this host serves no secrets');
      const value = secrets(key);
      if (value === null) {
        problems.push(reference ? `secret "${key}" (referenced by ${name}) does not exist` : `secret "${name}" does not exist`);
        continue;
      }
      values[shownAs] = reference?.field ? field(value, reference.field, key) : value;
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { values, problems };
}

function field(value: string, name: string, key: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`secret "${key}" is not a JSON object, so it has no field "${name}"`);
  }
  const picked = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[name] : undefined;
  if (picked === undefined) throw new Error(`secret "${key}" has no field "${name}"`);
  return typeof picked === 'string' ? picked : JSON.stringify(picked);
}
