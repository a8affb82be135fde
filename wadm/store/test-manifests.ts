/** Small manifests for the server-less wadm unit tests (the fixtures under test/ are for integration tests). */

export type ManifestDoc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations: Record<string, string> };
  spec: { components: Array<Record<string, unknown>> };
};

/** A valid application of one component; `instances` varies the content between versions. */
export function demoManifest(name: string, version: string | undefined, instances = 1): ManifestDoc {
  return {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name, annotations: version === undefined ? {} : { version } },
    spec: {
      components: [
        {
          name: 'hello',
          type: 'component',
          properties: { image: 'file://hello.wasm' },
          traits: [{ type: 'spreadscaler', properties: { instances } }],
        },
      ],
    },
  };
}
