/**
 * Names wadm derives from a manifest. They follow wadm's `compute_component_id` so that ids seen
 * in a lattice run by wadm and by us match for the same manifest.
 */

function sanitize(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, '_');
}

/** `id` when given, else `<app>-<component name>`, lower-cased, non-alphanumerics as `_`. */
export function componentId(app: string, name: string, explicitId?: string): string {
  return explicitId ?? `${sanitize(app)}-${sanitize(name)}`;
}

/**
 * Config given inline (with `properties`) is created by wadm under an app-scoped name, so two
 * apps using the same short name do not overwrite each other; a reference (no `properties`) is
 * used as written and must already exist.
 */
export function configName(app: string, name: string, inline: boolean): string {
  return inline ? `${sanitize(app)}-${sanitize(name)}` : name;
}

/** wadm's secret reference name: `SECRET_<app>-<name>`. */
export function secretName(app: string, name: string): string {
  return `SECRET_${sanitize(app)}-${sanitize(name)}`;
}

/** Characters that ids and config names may use: they end up in NATS subjects and KV keys. */
export const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** wadm's manifest name rule (`^[-\w]+$`). */
export const APP_NAME_PATTERN = /^[-\w]+$/;
