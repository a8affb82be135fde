import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { buckets } from '../../protocol/subjects.js';
import { decodeJson, encodeJson } from '../../protocol/codec.js';
import type { CanaryReport, PutReply, VersionInfo } from '../../protocol/schemas/wadm.js';
import { normalizeManifest, type AppManifest } from '../manifest/model.js';
import { ManifestInput } from '../manifest/schema.js';
import { validateManifest } from '../manifest/validate.js';
import { JetStreamKvBucket } from '../../store/jetstream-kv.js';
import type { KvBucket, KvWatch } from '../../store/kv-bucket.js';
import { StoreError } from './errors.js';
import {
  addVersion,
  deleteFrom,
  deployVersion,
  findVersion,
  latest,
  settleRecord,
  StoredApp,
  undeployApp,
  type DeleteResult,
  type DeployResult,
  type RecordChange,
  type StoredVersion,
} from './record.js';

/** Compare-and-set retries before giving up; each retry re-reads, so only real contention fails. */
const MAX_CAS_ATTEMPTS = 20;

/** Versions generated for manifests without a `version` annotation sort by time. */
export function generateVersion(now: Date): string {
  return `${now.toISOString().replace(/[-:.TZ]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** What the reconciler needs for one application: the manifest to run and the one before it. */
export interface DesiredApp {
  name: string;
  deployedVersion: string | null;
  manifest: AppManifest | null;
  previousVersion: string | null;
  previous: AppManifest | null;
  deleted: boolean;
  /** Canary verdicts of the current deployment (currentCanaries). */
  canaries: CanaryReport[];
  /** The version a rolled-back canary returns to: the one stored before the deployed one. */
  rollbackVersion: string | null;
}

/**
 * The verdicts that concern the current deployment: those given since the deployed version was
 * deployed, including the rollback that deployed it. A version deployed again gets a new canary.
 */
function currentCanaries(record: StoredApp): CanaryReport[] {
  if (record.deployed_version === null) return [];
  const since = record.deployed_at ?? '';
  return record.versions.flatMap((v) => (v.canaries ?? []).filter((c) => (since ? (c.decided_at ?? '') >= since : v.version === record.deployed_version)));
}

function rollbackTarget(record: StoredApp): string | null {
  const index = record.versions.findIndex((v) => v.version === record.deployed_version);
  return index > 0 ? record.versions[index - 1]!.version : null;
}

/** Canonical form of a stored version (it was valid when put). */
export function canonical(version: StoredVersion): AppManifest {
  return normalizeManifest(ManifestInput.parse(version.manifest));
}

/**
 * Versioned manifests in a KV bucket (JetStream in a lattice, memory in unit tests), one key per
 * application (see record.ts). Every write is a compare-and-set on the key's revision, so several
 * wadm instances can share one lattice.
 */
export class ManifestStore {
  private constructor(
    readonly bucket: KvBucket,
    readonly lattice: string,
  ) {}

  /** `domain`: the JetStream domain of the lattice buckets (the hub's, for wadm on a leaf node). */
  static async open(nc: NatsConnection, lattice: string, opts: { replicas?: number; domain?: string } = {}): Promise<ManifestStore> {
    try {
      return new ManifestStore(await JetStreamKvBucket.open(nc, buckets.manifests(lattice), opts), lattice);
    } catch (cause) {
      throw new StoreError(`cannot open the manifest bucket of lattice ${lattice}: ${(cause as Error).message}`, { cause });
    }
  }

  /** The store over any bucket: a MemoryKvBucket in unit tests. */
  static over(bucket: KvBucket, lattice: string): ManifestStore {
    return new ManifestStore(bucket, lattice);
  }

  /** Every change of an application's record (deletions included), from the records live now on. */
  watch(): Promise<KvWatch> {
    return this.bucket.watch(() => {});
  }

  /** Validates and stores a manifest as a new version (its `version` annotation, or a generated one). */
  async put(raw: unknown, now = new Date()): Promise<PutReply> {
    const { valid, problems, manifest } = validateManifest(raw);
    if (!valid || !manifest) return { accepted: false, name: manifest?.name ?? null, version: null, created: false, problems };
    const version = manifest.version ?? generateVersion(now);
    const result = await this.mutate(manifest.name, (current) => addVersion(current, manifest.name, version, raw, now));
    if (!result.ok) {
      return {
        accepted: false,
        name: manifest.name,
        version,
        created: false,
        problems: [...problems, { level: 'error', path: result.path, message: result.message }],
      };
    }
    return { accepted: true, name: manifest.name, version, created: result.created, problems };
  }

  /** The stored record (deleted ones included: the reconciler still needs them). */
  async record(name: string): Promise<StoredApp | null> {
    return (await this.read(name))?.record ?? null;
  }

  /** One version (default the latest) of a visible application. */
  async get(name: string, version?: string): Promise<{ record: StoredApp; version: StoredVersion } | null> {
    const record = await this.record(name);
    if (!record || record.deleted) return null;
    const found = version === undefined ? latest(record) : findVersion(record, version);
    return found ? { record, version: found } : null;
  }

  /** Every application, deleted-but-pending ones included when `all` is set. */
  async list(opts: { all?: boolean } = {}): Promise<StoredApp[]> {
    const out: StoredApp[] = [];
    for (const key of await this.listKeys()) {
      const record = await this.record(key);
      if (record && (opts.all || !record.deleted)) out.push(record);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async versions(name: string): Promise<VersionInfo[] | null> {
    const record = await this.record(name);
    if (!record || record.deleted) return null;
    return record.versions.map((v) => ({
      version: v.version,
      created_at: v.created_at,
      deployed: v.version === record.deployed_version,
      ...(v.canaries?.length ? { canaries: v.canaries } : {}),
    }));
  }

  async deploy(name: string, version?: string): Promise<DeployResult | null> {
    return this.mutateExisting(name, (record) => deployVersion(record, version));
  }

  async undeploy(name: string): Promise<{ undeployed: boolean } | null> {
    return this.mutateExisting(name, (record) => undeployApp(record));
  }

  /** Deletes a version, or the whole application (undeploying it first: see record.ts). */
  async delete(name: string, version?: string): Promise<DeleteResult | null> {
    return this.mutateExisting(name, (record) => deleteFrom(record, version));
  }

  /**
   * Records a canary verdict on its version (replacing an earlier one for the same component) and,
   * for a rollback, deploys `rollbackTo` in the same write: the verdict and the deployment it
   * caused are never seen apart.
   */
  async noteCanary(name: string, report: CanaryReport, rollbackTo?: string): Promise<void> {
    await this.mutateExisting(name, (record) => {
      const index = record.versions.findIndex((v) => v.version === report.version);
      if (index < 0) return { record, result: undefined };
      const target = record.versions[index]!;
      const canaries = [...(target.canaries ?? []).filter((c) => c.component !== report.component), report];
      const noted = { ...record, versions: record.versions.map((v, i) => (i === index ? { ...v, canaries } : v)) };
      if (rollbackTo === undefined) return { record: noted, result: undefined };
      return { record: deployVersion(noted, rollbackTo, new Date(report.decided_at ?? Date.now())).record, result: undefined };
    });
  }

  /** Called by the reconciler once the lattice matches the deployed version (or the undeploy is done). */
  async settle(name: string): Promise<void> {
    await this.mutate(name, (current) => ({ record: current ? settleRecord(current) : null, result: undefined }));
  }

  /** The manifests the reconciler should act on for one application. */
  async desired(name: string): Promise<DesiredApp | null> {
    const record = await this.record(name);
    if (!record) return null;
    const pick = (v: string | null) => {
      const found = v === null ? undefined : findVersion(record, v);
      return found ? canonical(found) : null;
    };
    return {
      name,
      deployedVersion: record.deployed_version,
      manifest: pick(record.deployed_version),
      previousVersion: record.previous_version,
      previous: pick(record.previous_version),
      deleted: record.deleted,
      canaries: currentCanaries(record),
      rollbackVersion: rollbackTarget(record),
    };
  }

  private async listKeys(): Promise<string[]> {
    try {
      return await this.bucket.keys();
    } catch (cause) {
      throw new StoreError(`cannot list the applications of lattice ${this.lattice}: ${(cause as Error).message}`, { cause });
    }
  }

  private async read(name: string): Promise<{ record: StoredApp; revision: number } | null> {
    let entry;
    try {
      entry = await this.bucket.entry(name);
    } catch (cause) {
      throw new StoreError(`cannot read application ${name}: ${(cause as Error).message}`, { cause });
    }
    if (!entry) return null;
    const parsed = StoredApp.safeParse(decodeJson(entry.value));
    if (!parsed.success) throw new StoreError(`stored record of ${name} is malformed`);
    return { record: parsed.data, revision: entry.revision };
  }

  private async mutateExisting<T>(name: string, change: (record: StoredApp) => RecordChange<T>): Promise<T | null> {
    let missing = false;
    const result = await this.mutate(name, (current) => {
      if (!current || current.deleted) {
        missing = true;
        return { record: current, result: undefined as T };
      }
      return change(current);
    });
    return missing ? null : result;
  }

  /** Read, compute, compare-and-set; retried when another writer got there first. */
  private async mutate<T>(name: string, change: (current: StoredApp | null) => RecordChange<T>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await this.read(name);
      const { record, result } = change(current?.record ?? null);
      if (record === (current?.record ?? null)) return result; // nothing to write
      try {
        if (record === null) await this.bucket.purge(name);
        else if (current) await this.bucket.update(name, encodeJson(record), current.revision);
        else await this.bucket.create(name, encodeJson(record));
        return result;
      } catch (error) {
        lastError = error;
      }
    }
    throw new StoreError(`could not update application ${name} after ${MAX_CAS_ATTEMPTS} attempts`, { cause: lastError });
  }
}
