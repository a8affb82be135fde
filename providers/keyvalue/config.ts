import { z } from 'zod';
import type { ConfigValues } from '../../protocol/mod.js';
import { either, parseLinkConfig, withCapitals } from '../sdk/config.js';

const Backend = z.enum(['memory', 'nats', 'redis']);
const Flag = z.enum(['true', 'false']);
const PositiveInt = z.coerce.number().int().positive();

/**
 * Provider config: named configs of the start request over the alias defaults (the image
 * `ghcr.io/wasmcloud/keyvalue-redis:*` implies `backend: redis`). Every key is a default that a
 * link's target config may override. wasmCloud spells some keys in capitals (`URL`, `BUCKET`);
 * both spellings are accepted. Unknown keys (OTEL settings and the like) pass through.
 */
export const KeyValueConfig = z
  .object({
    backend: Backend.default('memory'),
    ...withCapitals({
      /** Redis URL; wasmCloud's keyvalue-redis reads `URL`. */
      url: z.string().optional(),
      /** Bucket opened for every identifier (wasmCloud's keyvalue-nats `bucket`). */
      bucket: z.string().optional(),
    }),
    /** Create missing buckets on open (memory and NATS). When `false`, they are `no-such-store`. */
    create: Flag.default('true'),
    /** JetStream domain of the NATS KV buckets. */
    js_domain: z.string().optional(),
    /** Open buckets each component may hold before the least recently used is dropped. */
    max_handles: PositiveInt.default(256),
  })
  .passthrough();
export type KeyValueConfig = z.infer<typeof KeyValueConfig>;

/** A link's target config: which backend, server and bucket this component's link uses. */
export const KeyValueLinkConfig = z
  .object({
    backend: Backend.optional(),
    ...withCapitals({ url: z.string().optional(), bucket: z.string().optional() }),
    create: Flag.optional(),
    js_domain: z.string().optional(),
  })
  .passthrough();
export type KeyValueLinkConfig = z.infer<typeof KeyValueLinkConfig>;

/** What one `open` resolves to once provider defaults and link config are merged. */
export interface StoreTarget {
  backend: z.infer<typeof Backend>;
  url: string | undefined;
  /** The configured bucket, if any (it wins over the identifier the component opens). */
  bucket: string | undefined;
  create: boolean;
  jsDomain: string | undefined;
  /** Redis password from a secret (`password`), so it need not sit in the URL of a config. */
  password: string | undefined;
}

/** Secrets the keyvalue provider reads: `url`/`URL` (a whole Redis URL) and `password`. */
export type KeyValueSecrets = Record<string, string>;

/**
 * Merges a link's target config over the provider config, and the link's target secrets over the
 * provider's secrets (a secret URL wins over a configured one); throws a message naming bad keys.
 */
export function storeTarget(
  provider: KeyValueConfig,
  link: ConfigValues | undefined,
  describe: (e: z.ZodError) => string,
  secrets: { provider?: KeyValueSecrets; link?: KeyValueSecrets } = {},
): StoreTarget {
  const l = parseLinkConfig(KeyValueLinkConfig, link, describe);
  return {
    backend: l.backend ?? provider.backend,
    url: either(secrets.link, 'url') ?? either(l, 'url') ?? either(secrets.provider, 'url') ?? either(provider, 'url'),
    bucket: either(l, 'bucket') ?? either(provider, 'bucket'),
    create: (l.create ?? provider.create) === 'true',
    jsDomain: l.js_domain ?? provider.js_domain,
    password: secrets.link?.password ?? secrets.provider?.password,
  };
}
