import type { ManifestProblem } from '../../protocol/schemas/wadm.js';
import type { AppManifest } from '../manifest/model.js';
import { canonical, type ManifestStore } from '../store/manifest-store.js';
import { findVersion } from '../store/record.js';

/**
 * A component with `application: {name, component}` uses a component of another application.
 * That application must be deployed, marked `experimental.wasmcloud.dev/shared: "true"`, and
 * contain the component (wadm's rules); otherwise the deploy is refused with these problems.
 */
export async function checkSharedRefs(store: ManifestStore, manifest: AppManifest): Promise<ManifestProblem[]> {
  const problems: ManifestProblem[] = [];
  for (const [index, c] of manifest.components.entries()) {
    if (!c.application) continue;
    const path = `spec.components[${index}].properties.application`;
    const { name, component } = c.application;
    const record = await store.record(name);
    const deployed = record && !record.deleted && record.deployed_version ? findVersion(record, record.deployed_version) : undefined;
    if (!deployed) {
      problems.push({ level: 'error', path, message: `shared application "${name}" is not deployed` });
      continue;
    }
    const shared = canonical(deployed);
    if (!shared.shared) {
      problems.push({ level: 'error', path, message: `application "${name}" is not shared (annotation experimental.wasmcloud.dev/shared: "true")` });
    } else if (!shared.components.some((s) => s.name === component)) {
      problems.push({ level: 'error', path, message: `shared application "${name}" has no component "${component}"` });
    }
  }
  return problems;
}

/**
 * Replaces the id of each shared reference by the id the shared application really uses (it may
 * set an explicit `id`; wadm derives it from the names only). Unresolvable references keep the
 * derived id: `checkSharedRefs` reports them.
 */
export async function resolveSharedIds(store: ManifestStore, manifest: AppManifest): Promise<AppManifest> {
  if (!manifest.components.some((c) => c.application)) return manifest;
  const components = await Promise.all(
    manifest.components.map(async (c) => {
      if (!c.application) return c;
      const record = await store.record(c.application.name);
      const version = record?.deployed_version ? findVersion(record, record.deployed_version) : undefined;
      const target = version ? canonical(version).components.find((s) => s.name === c.application!.component) : undefined;
      return target ? { ...c, id: target.id } : c;
    }),
  );
  return { ...manifest, components };
}
