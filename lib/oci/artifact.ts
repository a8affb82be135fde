/**
 * Pulling and pushing Wasm components as OCI artifacts: the manifest is resolved (a tag, or a
 * pinned digest that the manifest bytes must hash to), the component layer is chosen by media
 * type and its bytes must hash to the layer digest. Both go through the shared cache.
 */
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { OciCache } from './cache.js';
import { failure, RegistryClient, sha256Digest } from './client.js';
import { OciError } from './errors.js';
import { MANIFEST_ACCEPT, MEDIA, WASM_LAYER_TYPES } from './media-types.js';
import { formatOciRef, type OciRef } from './reference.js';

/** Components larger than this are refused before download (a guard, not a format limit). */
export const MAX_COMPONENT_BYTES = 512 * 2 ** 20;

const Descriptor = z.looseObject({
  mediaType: z.string(),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a sha256 digest'),
  size: z.number().int().nonnegative(),
  platform: z.looseObject({ architecture: z.string().optional(), os: z.string().optional() }).optional(),
});
type Descriptor = z.infer<typeof Descriptor>;
const Manifest = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: Descriptor.optional(),
  layers: z.array(Descriptor).optional(),
  manifests: z.array(Descriptor).optional(),
});
type Manifest = z.infer<typeof Manifest>;

export interface PulledComponent {
  bytes: Uint8Array;
  /** Digest of the component layer (the bytes). */
  digest: string;
  manifestDigest: string;
  layerMediaType: string;
  /** True when the registry was not asked (pinned digest, or unreachable and last known). */
  fromCache: boolean;
}

export interface ArtifactOptions {
  client: RegistryClient;
  cache: OciCache;
  logger?: Logger;
}

function decodeManifest(bytes: Uint8Array, where: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new OciError('protocol', `${where}: the manifest is not JSON`, { cause });
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success)
    throw new OciError('protocol', `${where}: not an OCI image manifest (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

/** Fetches manifest bytes for `reference` (a tag or digest) and checks them against a pinned digest. */
async function fetchManifest(opts: ArtifactOptions, ref: OciRef, reference: string): Promise<{ bytes: Uint8Array; digest: string }> {
  const where = formatOciRef(ref);
  const response = await opts.client.request(ref.registry, ref.repository, 'pull', `manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
  if (response.status === 404) {
    await response.body?.cancel();
    throw new OciError(
      'not-found',
      `${where}: no manifest ${reference.startsWith('sha256:') ? 'with digest' : 'tagged'} ${reference} in ${ref.registry}/${ref.repository}`,
    );
  }
  if (!response.ok) throw await failure(response, `${where}: manifest`, ref.registry);
  const bytes = await RegistryClient.readBody(response, RegistryClient.MAX_MANIFEST_BYTES, `${where}: manifest`);
  const digest = sha256Digest(bytes);
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new OciError('digest-mismatch', `${where}: the registry's manifest hashes to ${digest}, not the pinned ${reference}`);
  }
  return { bytes, digest };
}

function componentLayer(manifest: Manifest, where: string): Descriptor {
  const layers = manifest.layers ?? [];
  const configType = manifest.config?.mediaType;
  if (configType === MEDIA.providerArchiveConfig || layers.some((l) => l.mediaType === MEDIA.providerArchiveLayer)) {
    throw new OciError('not-a-component', `${where} is a wasmCloud provider archive (native provider binaries), not a Wasm component`);
  }
  for (const type of WASM_LAYER_TYPES) {
    const layer = layers.find((l) => l.mediaType === type);
    if (layer) return layer;
  }
  throw new OciError(
    'not-a-component',
    `${where} has no Wasm component layer (config ${configType ?? 'none'}, layers ${layers.map((l) => l.mediaType).join(', ') || 'none'}; expected ${WASM_LAYER_TYPES.join(' or ')})`,
  );
}

/** The manifest of `ref` (following an index to its wasm entry) and its digest. */
export async function resolveManifest(opts: ArtifactOptions, ref: OciRef): Promise<{ manifest: Manifest; digest: string; fromCache: boolean }> {
  const where = formatOciRef(ref);
  const pinned = ref.digest;
  const cachedPinned = pinned ? await opts.cache.get(pinned) : null;
  let fetched: { bytes: Uint8Array; digest: string };
  let fromCache = false;
  if (cachedPinned) {
    fetched = { bytes: cachedPinned, digest: pinned! };
    fromCache = true;
  } else {
    try {
      fetched = await fetchManifest(opts, ref, pinned ?? ref.tag!);
    } catch (error) {
      // A tag resolved before still runs while the registry is unreachable (an edge host offline).
      const last = error instanceof OciError && error.kind === 'unreachable' && !pinned ? await opts.cache.lastKnown(where) : null;
      const bytes = last ? await opts.cache.get(last) : null;
      if (!last || !bytes) throw error;
      opts.logger?.warn({ ref: where, digest: last, err: error }, 'registry unreachable; using the manifest this tag pointed at last');
      fetched = { bytes, digest: last };
      fromCache = true;
    }
  }
  let manifest = decodeManifest(fetched.bytes, where);
  let digest = fetched.digest;
  if (!fromCache) {
    await opts.cache.put(digest, fetched.bytes);
    if (!pinned) await opts.cache.rememberRef(where, digest);
  }
  if (manifest.manifests) {
    // An index: the wasm platform's entry (or its only one).
    const entry = manifest.manifests.find((m) => m.platform?.architecture === 'wasm') ?? (manifest.manifests.length === 1 ? manifest.manifests[0] : undefined);
    if (!entry) throw new OciError('not-a-component', `${where} is an image index without a wasm platform entry`);
    const inner = (await opts.cache.get(entry.digest)) ?? (await fetchManifest(opts, ref, entry.digest)).bytes;
    await opts.cache.put(entry.digest, inner);
    manifest = decodeManifest(inner, where);
    digest = entry.digest;
  }
  return { manifest, digest, fromCache };
}

/** Pulls the component of `ref`, verified against its digests, from the cache when it has it. */
export async function pullComponent(opts: ArtifactOptions, ref: OciRef): Promise<PulledComponent> {
  const where = formatOciRef(ref);
  const { manifest, digest: manifestDigest, fromCache } = await resolveManifest(opts, ref);
  const layer = componentLayer(manifest, where);
  const cached = await opts.cache.get(layer.digest);
  if (cached) return { bytes: cached, digest: layer.digest, manifestDigest, layerMediaType: layer.mediaType, fromCache };
  if (layer.size > MAX_COMPONENT_BYTES) throw new OciError('protocol', `${where}: the component layer is ${layer.size} bytes, over ${MAX_COMPONENT_BYTES}`);
  const response = await opts.client.request(ref.registry, ref.repository, 'pull', `blobs/${layer.digest}`);
  if (!response.ok) throw await failure(response, `${where}: layer ${layer.digest}`, ref.registry);
  const bytes = await RegistryClient.readBody(response, Math.max(layer.size, 1), `${where}: layer ${layer.digest}`);
  const actual = sha256Digest(bytes);
  if (actual !== layer.digest || bytes.length !== layer.size) {
    throw new OciError(
      'digest-mismatch',
      `${where}: downloaded layer is ${bytes.length} bytes hashing to ${actual}; the manifest says ${layer.size} bytes, ${layer.digest}`,
    );
  }
  await opts.cache.put(layer.digest, bytes);
  opts.logger?.info({ ref: where, digest: layer.digest, size: bytes.length }, 'component pulled from registry');
  return { bytes, digest: layer.digest, manifestDigest, layerMediaType: layer.mediaType, fromCache: false };
}

/** What an artifact is, from its manifest alone (for refusing provider images with a reason). */
export async function describeArtifact(
  opts: ArtifactOptions,
  ref: OciRef,
): Promise<{ kind: 'component' | 'provider-archive' | 'other'; configMediaType?: string }> {
  const { manifest } = await resolveManifest(opts, ref);
  try {
    componentLayer(manifest, formatOciRef(ref));
    return { kind: 'component', configMediaType: manifest.config?.mediaType };
  } catch (error) {
    const provider = error instanceof OciError && /provider archive/.test(error.message);
    return { kind: provider ? 'provider-archive' : 'other', configMediaType: manifest.config?.mediaType };
  }
}

async function ensureBlob(client: RegistryClient, ref: OciRef, bytes: Uint8Array, digest: string): Promise<boolean> {
  const head = await client.request(ref.registry, ref.repository, 'push,pull', `blobs/${digest}`, { method: 'HEAD' });
  if (head.ok) return false;
  await head.body?.cancel();
  const start = await client.request(ref.registry, ref.repository, 'push,pull', 'blobs/uploads/', { method: 'POST' });
  if (start.status !== 202) throw await failure(start, `${formatOciRef(ref)}: starting an upload`, ref.registry);
  await start.body?.cancel();
  const location = start.headers.get('location');
  if (!location) throw new OciError('protocol', `registry ${ref.registry} started an upload without a Location`);
  const url = new URL(location, `${client.base(ref.registry)}/`);
  url.searchParams.set('digest', digest);
  const put = await client.request(ref.registry, ref.repository, 'push,pull', url.href, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    body: bytes,
  });
  if (put.status !== 201) throw await failure(put, `${formatOciRef(ref)}: uploading ${digest}`, ref.registry);
  await put.body?.cancel();
  return true;
}

export interface PushResult {
  ref: string;
  manifestDigest: string;
  digest: string;
  size: number;
}

/**
 * Pushes a component in the Wasm OCI artifact layout: a `application/vnd.wasm.config.v0+json`
 * config (architecture wasm, os wasip2, the layer digest, the component's imports and exports) and
 * one `application/wasm` layer, tagged `ref.tag`.
 */
export async function pushComponent(
  client: RegistryClient,
  ref: OciRef,
  bytes: Uint8Array,
  world: { imports: string[]; exports: string[] },
  annotations: Record<string, string> = {},
): Promise<PushResult> {
  const digest = sha256Digest(bytes);
  const created = new Date().toISOString();
  const config = new TextEncoder().encode(
    JSON.stringify({ created, architecture: 'wasm', os: 'wasip2', layerDigests: [digest], component: { imports: world.imports, exports: world.exports } }),
  );
  const configDigest = sha256Digest(config);
  await ensureBlob(client, ref, bytes, digest);
  await ensureBlob(client, ref, config, configDigest);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.wasmConfig, digest: configDigest, size: config.length },
      layers: [{ mediaType: MEDIA.wasmLayer, digest, size: bytes.length }],
      annotations: { 'org.opencontainers.image.created': created, ...annotations },
    }),
  );
  const reference = ref.tag ?? sha256Digest(manifest);
  const put = await client.request(ref.registry, ref.repository, 'push,pull', `manifests/${reference}`, {
    method: 'PUT',
    headers: { 'content-type': MEDIA.ociManifest },
    body: manifest,
  });
  if (put.status !== 201) throw await failure(put, `${formatOciRef(ref)}: putting the manifest`, ref.registry);
  await put.body?.cancel();
  return { ref: formatOciRef({ ...ref, digest: undefined }), manifestDigest: sha256Digest(manifest), digest, size: bytes.length };
}
