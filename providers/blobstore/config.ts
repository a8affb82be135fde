import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { ConfigValues } from '../../protocol/mod.js';
import { either, parseLinkConfig, withCapitals } from '../sdk/config.js';

const Backend = z.enum(['fs', 'nats']);
const PositiveInt = z.coerce.number().int().positive();

/**
 * Provider config (named configs over the alias defaults, e.g. `backend: fs` for
 * `ghcr.io/wasmcloud/blobstore-fs:*`). `root` defaults to `<provider data dir>/blobstore`.
 * A link may name its own `root` (wasmCloud's blobstore-fs does); it must lie under the provider
 * root or one of `allowed_roots` (comma-separated; default: the system temp directory), so that a
 * manifest cannot hand a component `/` or the host's home directory.
 */
export const BlobstoreConfig = z
  .object({
    backend: Backend.default('fs'),
    ...withCapitals({ root: z.string().optional() }),
    allowed_roots: z.string().optional(),
    js_domain: z.string().optional(),
    /** Largest object a guest may write or read whole (bodies are buffered per handle). */
    max_object_bytes: PositiveInt.default(64 * 1024 * 1024),
    /** Open handles (containers, values, streams) per component before the oldest is dropped. */
    max_handles: PositiveInt.default(256),
  })
  .passthrough();
export type BlobstoreConfig = z.infer<typeof BlobstoreConfig>;

export const BlobstoreLinkConfig = z
  .object({
    backend: Backend.optional(),
    ...withCapitals({ root: z.string().optional() }),
    js_domain: z.string().optional(),
  })
  .passthrough();

export interface BlobTarget {
  backend: z.infer<typeof Backend>;
  /** Absolute directory (fs backend). */
  root: string;
  jsDomain: string | undefined;
}

function within(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The backend a link uses: its target config over the provider config. A relative link root is
 * taken under the provider root. Throws a message naming the problem.
 */
export function blobTarget(provider: BlobstoreConfig, dataDir: string, link: ConfigValues | undefined, describe: (e: z.ZodError) => string): BlobTarget {
  const l = parseLinkConfig(BlobstoreLinkConfig, link, describe);
  const base = resolve(either(provider, 'root') ?? join(dataDir, 'blobstore'));
  const asked = either(l, 'root');
  const root = asked === undefined ? base : resolve(base, asked);
  if (asked !== undefined) {
    const allowed = [
      base,
      ...(provider.allowed_roots ?? tmpdir())
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => resolve(s)),
    ];
    if (!allowed.some((dir) => within(dir, root))) {
      throw new Error(`link root ${JSON.stringify(asked)} is outside the provider root and allowed_roots (${allowed.join(', ')})`);
    }
  }
  return { backend: l.backend ?? provider.backend, root, jsDomain: l.js_domain ?? provider.js_domain };
}
