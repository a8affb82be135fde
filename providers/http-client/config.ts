import { z } from 'zod';
import type { ConfigValues } from '../../protocol/mod.js';
import { parseLinkConfig } from '../sdk/config.js';
import { createAllowList, type AllowList } from './allow-list.js';

const PositiveInt = z.coerce.number().int().positive();

/**
 * Provider config: defaults for every link. `allowed_hosts` is deny by default: with no entries
 * the provider refuses every request. Entries are comma-separated (see allow-list.ts; `host:*`
 * means the host on any port, the same as `host`).
 */
export const HttpClientConfig = z
  .object({
    allowed_hosts: z.string().default(''),
    /** Whole request, from connecting to the last byte of the response. */
    timeout_ms: PositiveInt.default(30_000),
    connect_timeout_ms: PositiveInt.default(5_000),
    max_request_bytes: PositiveInt.default(16 * 1024 * 1024),
    max_response_bytes: PositiveInt.default(16 * 1024 * 1024),
    /**
     * A response streamed to a component in this host is answered once this much of its body (or
     * all of it) has arrived: a shorter body fails at `get` with the same error-codes as a whole
     * one. 0 answers at the head (for responses that trickle, like server-sent events).
     */
    response_buffer_bytes: z.coerce
      .number()
      .int()
      .min(0)
      .default(1024 * 1024),
  })
  .passthrough();
export type HttpClientConfig = z.infer<typeof HttpClientConfig>;

/** A link's target config: the component's own allow-list and limits, replacing the provider's. */
export const HttpClientLinkConfig = z
  .object({
    allowed_hosts: z.string().optional(),
    timeout_ms: PositiveInt.optional(),
    connect_timeout_ms: PositiveInt.optional(),
    max_request_bytes: PositiveInt.optional(),
    max_response_bytes: PositiveInt.optional(),
    response_buffer_bytes: z.coerce.number().int().min(0).optional(),
  })
  .passthrough();

export interface ClientPolicy {
  allow: AllowList;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxRequestBytes: number;
  maxResponseBytes: number;
  responseBufferBytes: number;
}

/** `a.com, 127.0.0.1:*` as allow-list entries (`:*` is "any port", which a bare host already means). */
export function allowEntries(list: string): string[] {
  return list
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((e) => e.replace(/:\*$/, ''));
}

/** The policy of one link (its target config over the provider config); throws naming bad keys. */
export function policyFor(provider: HttpClientConfig, link: ConfigValues | undefined, describe: (e: z.ZodError) => string): ClientPolicy {
  const l = parseLinkConfig(HttpClientLinkConfig, link, describe);
  return {
    allow: createAllowList(allowEntries(l.allowed_hosts ?? provider.allowed_hosts)),
    timeoutMs: l.timeout_ms ?? provider.timeout_ms,
    connectTimeoutMs: l.connect_timeout_ms ?? provider.connect_timeout_ms,
    maxRequestBytes: l.max_request_bytes ?? provider.max_request_bytes,
    maxResponseBytes: l.max_response_bytes ?? provider.max_response_bytes,
    responseBufferBytes: l.response_buffer_bytes ?? provider.response_buffer_bytes,
  };
}
