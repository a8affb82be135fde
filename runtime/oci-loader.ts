/**
 * OCI images: `ghcr.io/org/app:1.0`, `registry:5000/app@sha256:...`, `oci://...`. Pulled through
 * the machine's shared content-addressed cache (lib/oci), verified against the manifest and layer
 * digests; every failure (unknown tag, bad digest, 401, registry down) is an ImageLoadError whose
 * message says which, so it reaches the scale reply as it is.
 */
import type { Logger } from '../lib/logger.js';
import { OciCache, OciError, OciRefError, OCI_SCHEME, parseOciRef, pullComponent, type RegistryClient } from '../lib/oci/mod.js';
import { ImageLoadError } from './errors.js';
import type { ImageLoader, ResolveOptions } from './image-loader.js';

export interface OciLoaderOptions {
  client: RegistryClient;
  cacheDir: string;
  logger?: Logger;
}

export class OciImageLoader implements ImageLoader {
  readonly schemes = [OCI_SCHEME] as const;
  private readonly cache: OciCache;

  constructor(private readonly options: OciLoaderOptions) {
    this.cache = new OciCache(options.cacheDir);
  }

  async load(ref: string, _options: ResolveOptions): Promise<Uint8Array> {
    try {
      const pulled = await pullComponent({ client: this.options.client, cache: this.cache, logger: this.options.logger }, parseOciRef(ref));
      return pulled.bytes;
    } catch (cause) {
      if (cause instanceof OciError || cause instanceof OciRefError) throw new ImageLoadError(ref, cause.message, { cause });
      throw new ImageLoadError(ref, `pull failed: ${(cause as Error).message}`, { cause });
    }
  }
}
