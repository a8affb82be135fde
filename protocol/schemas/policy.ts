import { z } from 'zod';
import { Annotations, Identifier, Labels } from './common.js';
import { Link } from './links.js';

/**
 * The policy hook (wasmCloud 1.x's policy service format, field for field, plus `putLink`): before
 * starting a component or provider and before storing a link, a host sends a PolicyRequest to the
 * configured policy subject and acts on the PolicyResponse. No answer in time is a denial.
 */
export const POLICY_VERSION = 'v1';

/** The claims of a signed component, as a policy service sees them. */
export const PolicyClaims = z.object({
  publicKey: z.string(),
  issuer: z.string(),
  issuedAt: z.string(),
  expiresAt: z.number().int().optional(),
  expired: z.boolean(),
  name: z.string().optional(),
  version: z.string().optional(),
  /** The signature verifies and the hash matches the bytes being started. */
  valid: z.boolean(),
});
export type PolicyClaims = z.infer<typeof PolicyClaims>;

export const StartComponentPolicy = z.object({
  componentId: Identifier,
  imageRef: z.string(),
  maxInstances: z.number().int().nonnegative(),
  annotations: Annotations,
  claims: PolicyClaims.nullable(),
});

export const StartProviderPolicy = z.object({
  providerId: Identifier,
  imageRef: z.string(),
  annotations: Annotations,
  claims: PolicyClaims.nullable(),
});

export const PutLinkPolicy = z.object({ link: Link });

export const PolicyHost = z.object({ publicKey: z.string(), lattice: z.string(), labels: Labels });

const base = { requestId: z.string().min(1), version: z.literal(POLICY_VERSION), host: PolicyHost };

export const PolicyRequest = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('startComponent'), request: StartComponentPolicy }),
  z.object({ ...base, kind: z.literal('startProvider'), request: StartProviderPolicy }),
  z.object({ ...base, kind: z.literal('putLink'), request: PutLinkPolicy }),
]);
export type PolicyRequest = z.infer<typeof PolicyRequest>;
export type PolicyKind = PolicyRequest['kind'];

export const PolicyResponse = z.object({
  requestId: z.string(),
  permitted: z.boolean(),
  message: z.string().nullish(),
});
export type PolicyResponse = z.infer<typeof PolicyResponse>;
