import type { ConfigValues } from '../../protocol/mod.js';

/** Reads one named config; null when it does not exist. */
export type ConfigSource = (name: string) => ConfigValues | null;

/** Merges named configs right-most-wins (wasmCloud's rule); missing names contribute nothing. */
export function mergeConfigs(names: readonly string[], source: ConfigSource): ConfigValues {
  const merged: ConfigValues = {};
  for (const name of names) Object.assign(merged, source(name) ?? {});
  return merged;
}
