import { z } from 'zod';

/**
 * Ids and names end up inside NATS subjects and KV keys, so they are restricted to characters
 * both allow. wasmCloud uses the same alphabet for component and provider ids.
 */
export const Identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "-" and "_"');

/** Host ids are nkey public keys: 56 characters starting with N. */
export const HostId = z.string().regex(/^N[A-Z2-7]{55}$/, 'is not a host nkey public key');

export const Labels = z.record(z.string(), z.string());
export type Labels = z.infer<typeof Labels>;

export const Annotations = z.record(z.string(), z.string());
export type Annotations = z.infer<typeof Annotations>;

/** A label key users may set: not empty, no whitespace, not in the reserved `hostcore.` namespace. */
export const LabelKey = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s=]+$/, 'may not contain whitespace or "="');

export const RESERVED_LABEL_PREFIX = 'hostcore.';
