import { z } from 'zod';

/** Named config: a flat string map, stored as one JSON value per name in the config bucket. */
export const ConfigValues = z.record(z.string().min(1).max(1024), z.string().max(1024 * 1024));
export type ConfigValues = z.infer<typeof ConfigValues>;

export const ConfigPutRequest = ConfigValues;
export type ConfigPutRequest = z.infer<typeof ConfigPutRequest>;

/** `get` answers `null` when the name does not exist: absence is a value, not an error. */
export const ConfigGetResponse = ConfigValues.nullable();
export type ConfigGetResponse = z.infer<typeof ConfigGetResponse>;
