import { z } from 'zod';

const Address = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:8080');

const PositiveInt = z.coerce.number().int().positive();

/**
 * Provider config (named configs given at start). `address` is the shared listener that serves
 * every link routed by `path`/`host`; wasmCloud's default is 0.0.0.0:8000, ours is loopback so
 * that nothing is exposed until an operator says so.
 */
export const HttpServerConfig = z
  .object({
    address: Address.default('127.0.0.1:8000'),
    max_body_bytes: PositiveInt.default(16 * 1024 * 1024),
    timeout_ms: PositiveInt.default(30_000),
  })
  .passthrough();
export type HttpServerConfig = z.infer<typeof HttpServerConfig>;

/**
 * A link's source config. `path` and/or `host` route on the shared listener; `address` alone asks
 * for a listener of the link's own (wasmCloud's per-link mode). `strip_prefix: "true"` hands the
 * component the path below the prefix.
 */
export const HttpLinkConfig = z
  .object({
    address: Address.optional(),
    path: z.string().optional(),
    host: z.string().optional(),
    strip_prefix: z.enum(['true', 'false']).optional(),
    max_body_bytes: PositiveInt.optional(),
    timeout_ms: PositiveInt.optional(),
  })
  .passthrough();
export type HttpLinkConfig = z.infer<typeof HttpLinkConfig>;

export function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  return { host, port: Number(address.slice(at + 1)) };
}
