/**
 * Media types of Wasm artifacts in OCI registries. Current: the CNCF TAG Runtime "Wasm OCI
 * Artifact" layout that wasmCloud 1.x and the Bytecode Alliance tools push (config
 * `application/vnd.wasm.config.v0+json`, one `application/wasm` layer). Older wasmCloud (wash
 * before 0.30 and the 0.x hosts) pushed components as `application/vnd.module.wasm.content.layer.v1+wasm`
 * with config `application/vnd.wasmcloud.actor.archive.config`, and providers as provider
 * archives (`...provider.archive.layer.v1+par`), which hold native binaries.
 */
export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  wasmConfig: 'application/vnd.wasm.config.v0+json',
  wasmLayer: 'application/wasm',
  legacyWasmConfig: 'application/vnd.wasmcloud.actor.archive.config',
  legacyWasmLayer: 'application/vnd.module.wasm.content.layer.v1+wasm',
  /** engineerd/wasm-to-oci and solo's wasm images. */
  wasmToOciLayer: 'application/vnd.wasm.content.layer.v1+wasm',
  providerArchiveConfig: 'application/vnd.wasmcloud.provider.archive.config',
  providerArchiveLayer: 'application/vnd.wasmcloud.provider.archive.layer.v1+par',
} as const;

/** Layers whose content is the component binary itself, in order of preference. */
export const WASM_LAYER_TYPES: readonly string[] = [MEDIA.wasmLayer, MEDIA.legacyWasmLayer, MEDIA.wasmToOciLayer];

export const MANIFEST_ACCEPT = [MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.dockerList].join(', ');
