import type { z } from 'zod';
import type { ConfigValues } from '../../protocol/mod.js';

/** Reads one named config; null when it does not exist. */
export type ConfigSource = (name: string) => ConfigValues | null;

/** Merges named configs right-most-wins (wasmCloud's rule); missing names contribute nothing. */
export function mergeConfigs(names: readonly string[], source: ConfigSource): ConfigValues {
  const merged: ConfigValues = {};
  for (const name of names) Object.assign(merged, source(name) ?? {});
  return merged;
}

/**
 * wasmCloud's providers read some config keys in capitals (`URL`, `BUCKET`, `ROOT`); ours take
 * either spelling. `withCapitals` adds the capital twin of each key to a zod object shape.
 */
export function withCapitals<Shape extends Record<string, z.ZodTypeAny>>(shape: Shape): Shape & { [K in keyof Shape as Uppercase<K & string>]: Shape[K] } {
  const out: Record<string, z.ZodTypeAny> = { ...shape };
  for (const [key, schema] of Object.entries(shape)) out[key.toUpperCase()] = schema;
  return out as Shape & { [K in keyof Shape as Uppercase<K & string>]: Shape[K] };
}

/** A key in either spelling: the lower-case one, else its capital twin (`withCapitals`). */
export function either(values: Readonly<Record<string, unknown>> | undefined, key: string): string | undefined {
  const value = values?.[key] ?? values?.[key.toUpperCase()];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A link's target config checked against the provider's link schema; unknown keys pass through
 * (OTEL settings and the like). Throws a message naming every bad key.
 */
export function parseLinkConfig<Schema extends z.ZodTypeAny>(
  schema: Schema,
  link: ConfigValues | undefined,
  describe: (e: z.ZodError) => string,
): z.infer<Schema> {
  const parsed = schema.safeParse(link ?? {});
  if (!parsed.success) throw new Error(`link config is invalid: ${describe(parsed.error)}`);
  return parsed.data as z.infer<Schema>;
}
