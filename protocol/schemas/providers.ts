import { z } from 'zod';
import { Annotations, Identifier } from './common.js';

export const StartProviderRequest = z.strictObject({
  provider_id: Identifier,
  provider_ref: z.string().min(1),
  annotations: Annotations.default({}),
  config: z.array(Identifier).default([]),
  /** Secrets (names in the lattice secret store, or wadm's `SECRET_` references) the provider gets at init. */
  secrets: z.array(Identifier).default([]),
  /** `builtin` runs inside the host, `process` as a supervised child; default chosen by the host. */
  mode: z.enum(['builtin', 'process']).optional(),
});
export type StartProviderRequest = z.infer<typeof StartProviderRequest>;
export type StartProviderInput = z.input<typeof StartProviderRequest>;

export const StopProviderRequest = z.strictObject({ provider_id: Identifier });
export type StopProviderRequest = z.infer<typeof StopProviderRequest>;
