import { z } from 'zod';
import { Identifier } from './common.js';

/**
 * What a spy watches: every call from or to COMPONENT, or only the calls COMPONENT makes through
 * one link (`namespace:package`, optional link name). Sent every few seconds; hosts forget a
 * session whose interest is older than `ttl_ms`, and at once on `ttl_ms: 0`.
 */
export const SpyInterest = z.strictObject({
  session: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  component: Identifier,
  link: z.strictObject({ namespace: z.string().min(1), package: z.string().min(1), name: z.string().min(1).optional() }).optional(),
  ttl_ms: z.number().int().min(0).max(60_000),
});
export type SpyInterest = z.infer<typeof SpyInterest>;

/**
 * One observed call (msgpack, the invocation codec: WIT values as jco represents them). Byte
 * streams (HTTP bodies) are `{ $stream: true }`: a spy never reads a body, it would take it from
 * the component.
 */
export const SpyRecord = z.object({
  host_id: z.string(),
  /** Epoch ms when the call began. */
  time: z.number(),
  source: z.string(),
  target: z.string(),
  namespace: z.string(),
  package: z.string(),
  link_name: z.string(),
  interface: z.string(),
  function: z.string(),
  args: z.array(z.unknown()),
  /** `ok`: `result` holds the value; `wit-error`: `result` holds the WIT error payload; `failed`: `error` says why. */
  outcome: z.enum(['ok', 'wit-error', 'failed']),
  result: z.unknown().optional(),
  error: z.string().optional(),
  duration_ms: z.number(),
  /** Encoded sizes of the arguments and of the result (streams not counted). */
  request_bytes: z.number().int(),
  response_bytes: z.number().int(),
});
export type SpyRecord = z.infer<typeof SpyRecord>;
