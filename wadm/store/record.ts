import { z } from 'zod';
import { CanaryReport } from '../../protocol/schemas/wadm.js';

/**
 * What the store keeps per application, in one KV value so that every change is a single
 * compare-and-set (several wadm instances may write at once). Pure functions below compute the
 * next record; `manifest-store.ts` does the KV round trip.
 */
export const StoredVersion = z.object({
  version: z.string(),
  created_at: z.string(),
  /** The manifest as the user wrote it (input form), validated when it was put. */
  manifest: z.unknown(),
  /** Canary verdicts on this version (wadm/reconciler/canary-judge.ts). */
  canaries: z.array(CanaryReport).optional(),
});
export type StoredVersion = z.infer<typeof StoredVersion>;

export const StoredApp = z.object({
  name: z.string(),
  /** Oldest first. */
  versions: z.array(StoredVersion),
  /** The version that should run; null when undeployed. */
  deployed_version: z.string().nullable(),
  /** When the deployed version was last deployed: canary verdicts from before belong to earlier tries. */
  deployed_at: z.string().optional(),
  /**
   * The version whose resources may still be in the lattice besides the deployed one (the one
   * deployed before, or the one just undeployed): the reconciler removes what it declared and
   * no longer is, then calls `settle`.
   */
  previous_version: z.string().nullable(),
  /** Deleted while something may still run: hidden, purged once the undeploy settles. */
  deleted: z.boolean(),
});
export type StoredApp = z.infer<typeof StoredApp>;

/** Versions kept per application; the oldest ones not in use are dropped beyond this. */
export const MAX_VERSIONS = 50;
/**
 * A record is one KV value and NATS refuses payloads over 1 MiB (the default max_payload), so
 * old versions are also dropped while the record is bigger than this.
 */
export const MAX_RECORD_BYTES = 768 * 1024;

export function recordBytes(record: StoredApp): number {
  return Buffer.byteLength(JSON.stringify(record));
}

export type RecordChange<T> = { record: StoredApp | null; result: T };

export function latest(record: StoredApp): StoredVersion {
  return record.versions[record.versions.length - 1]!;
}

export function findVersion(record: StoredApp, version: string): StoredVersion | undefined {
  return record.versions.find((v) => v.version === version);
}

function inUse(record: StoredApp, version: string): boolean {
  return record.deployed_version === version || record.previous_version === version;
}

function prune(record: StoredApp, keep: string): StoredApp {
  const pruned = { ...record, versions: [...record.versions] };
  const tooBig = () => pruned.versions.length > MAX_VERSIONS || recordBytes(pruned) > MAX_RECORD_BYTES;
  while (tooBig()) {
    const drop = pruned.versions.findIndex((v) => !inUse(record, v.version) && v.version !== keep);
    if (drop < 0) break;
    pruned.versions.splice(drop, 1);
  }
  return pruned;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** `path`: where in the manifest the refusal points (the version annotation, or the whole document). */
export type AddResult = { ok: true; created: boolean } | { ok: false; message: string; path: string };

/** Adds a version. The same version with the same content is a no-op; with other content, refused. */
export function addVersion(current: StoredApp | null, name: string, version: string, manifest: unknown, now: Date): RecordChange<AddResult> {
  // A deleted app whose undeploy is still pending is revived with the one version it kept.
  const base: StoredApp = current ? { ...current, deleted: false } : { name, versions: [], deployed_version: null, previous_version: null, deleted: false };
  const existing = findVersion(base, version);
  if (existing) {
    if (!sameJson(existing.manifest, manifest)) {
      return {
        record: current,
        result: {
          ok: false,
          path: 'metadata.annotations.version',
          message: `version "${version}" of "${name}" already exists with other content: give the new manifest another version`,
        },
      };
    }
    return current?.deleted ? { record: base, result: { ok: true, created: true } } : { record: current, result: { ok: true, created: false } };
  }
  const versions = base.versions.filter((v) => v.version !== version);
  versions.push({ version, created_at: now.toISOString(), manifest });
  const record = prune({ ...base, versions }, version);
  if (recordBytes(record) > MAX_RECORD_BYTES) {
    return {
      record: current,
      result: {
        ok: false,
        path: '',
        message: `the manifest is too large to store (${Math.round(recordBytes(record) / 1024)} KiB with the versions in use; limit ${MAX_RECORD_BYTES / 1024} KiB)`,
      },
    };
  }
  return { record, result: { ok: true, created: true } };
}

export type DeployResult = { ok: true; version: string; previous: string | null } | { ok: false; message: string };

export function deployVersion(record: StoredApp, version?: string, now = new Date()): RecordChange<DeployResult> {
  const target = version ?? latest(record).version;
  if (!findVersion(record, target)) {
    return { record, result: { ok: false, message: `"${record.name}" has no version "${target}"` } };
  }
  if (record.deployed_version === target) {
    return { record, result: { ok: true, version: target, previous: record.previous_version } };
  }
  const previous = record.deployed_version ?? record.previous_version;
  return {
    record: { ...record, deployed_version: target, previous_version: previous, deployed_at: now.toISOString() },
    result: { ok: true, version: target, previous },
  };
}

export function undeployApp(record: StoredApp): RecordChange<{ undeployed: boolean }> {
  if (record.deployed_version === null) return { record, result: { undeployed: false } };
  return {
    record: { ...record, deployed_version: null, previous_version: record.deployed_version },
    result: { undeployed: true },
  };
}

export type DeleteResult = { ok: true; deleted: string[]; undeployed: boolean } | { ok: false; message: string };

/** Deletes one version (never one in use) or the whole app (undeploying it first). */
export function deleteFrom(record: StoredApp, version?: string): RecordChange<DeleteResult> {
  if (version !== undefined) {
    if (!findVersion(record, version)) return { record, result: { ok: false, message: `"${record.name}" has no version "${version}"` } };
    if (inUse(record, version)) {
      return { record, result: { ok: false, message: `version "${version}" of "${record.name}" is deployed or being undeployed: undeploy first` } };
    }
    const versions = record.versions.filter((v) => v.version !== version);
    // Deleting the last version deletes the app.
    return { record: versions.length ? { ...record, versions } : null, result: { ok: true, deleted: [version], undeployed: false } };
  }
  const deleted = record.versions.map((v) => v.version);
  const undeployed = record.deployed_version !== null;
  const pending = record.deployed_version ?? record.previous_version;
  if (pending === null) return { record: null, result: { ok: true, deleted, undeployed } };
  return {
    record: {
      ...record,
      deployed_version: null,
      previous_version: pending,
      deleted: true,
      versions: record.versions.filter((v) => v.version === pending),
    },
    result: { ok: true, deleted, undeployed },
  };
}

/** The reconciler converged: forget the previous version; purge a deleted app. */
export function settleRecord(record: StoredApp): StoredApp | null {
  if (record.deleted && record.deployed_version === null) return null;
  return record.previous_version === null ? record : { ...record, previous_version: null };
}
