import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { looksLikeOciRef, OCI_SCHEME } from '../lib/oci/reference.js';
import { ImageLoadError } from './errors.js';

export interface ResolveOptions {
  /** Directory relative `file://` references are resolved against (manifest dir or cwd). */
  baseDir?: string;
}

/**
 * One source of component images. `file://` exists now; OCI registries and the NATS object
 * store are further implementations of this interface, registered with the runtime.
 */
export interface ImageLoader {
  /** URL schemes this loader serves, without `://` (`file`, `oci`, `nats`). */
  readonly schemes: readonly string[];
  load(ref: string, options: ResolveOptions): Promise<Uint8Array>;
}

/**
 * `file:///abs/path.wasm`, `file://./rel/path.wasm`, `file://rel/path.wasm`. A relative path is
 * resolved against `baseDir` (default: the working directory).
 */
export class FileImageLoader implements ImageLoader {
  readonly schemes = ['file'] as const;

  async load(ref: string, options: ResolveOptions): Promise<Uint8Array> {
    const path = filePath(ref, options.baseDir ?? process.cwd());
    try {
      return new Uint8Array(await readFile(path));
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const detail =
        code === 'ENOENT' ? `no such file ${path}` : code === 'EISDIR' ? `${path} is a directory` : `cannot read ${path} (${code ?? String(cause)})`;
      throw new ImageLoadError(ref, detail, { cause });
    }
  }
}

function filePath(ref: string, baseDir: string): string {
  const rest = ref.slice('file://'.length);
  if (rest.startsWith('/')) {
    try {
      return fileURLToPath(ref);
    } catch (cause) {
      throw new ImageLoadError(ref, 'malformed file URL', { cause });
    }
  }
  const decoded = decodeURIComponent(rest);
  return isAbsolute(decoded) ? decoded : resolve(baseDir, decoded);
}

export const defaultLoaders: readonly ImageLoader[] = [new FileImageLoader()];

/**
 * Reads the bytes of an image reference with the loader registered for its scheme.
 *
 * @example
 *   const bytes = await resolveImage('file://./build/hello.wasm', { baseDir: manifestDir });
 */
export async function resolveImage(ref: string, options: ResolveOptions & { loaders?: readonly ImageLoader[] } = {}): Promise<Uint8Array> {
  // `ghcr.io/org/app:1.0` has no scheme: a registry-qualified name is an OCI image, as in wasmCloud.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(ref)?.[1]?.toLowerCase() ?? (looksLikeOciRef(ref) ? OCI_SCHEME : undefined);
  const loaders = options.loaders ?? defaultLoaders;
  if (!scheme) {
    throw new ImageLoadError(
      ref,
      `not a URL with a scheme nor a registry image; use file:///absolute/path.wasm, file://relative/path.wasm or REGISTRY/REPO:TAG`,
    );
  }
  const loader = loaders.find((l) => l.schemes.includes(scheme));
  if (!loader) {
    const known = loaders.flatMap((l) => l.schemes.map((s) => `${s}://`));
    throw new ImageLoadError(ref, `unsupported scheme ${scheme}:// (this host loads ${known.join(', ')})`);
  }
  return loader.load(ref, options);
}
