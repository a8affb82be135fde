import type { Logger } from '../../lib/logger.js';
import {
  PutRequest,
  VersionRequest,
  type AppStatus,
  type AppSummary,
  type DeleteReply,
  type DeployReply,
  type GetReply,
  type UndeployReply,
  type VersionInfo,
  type PutReply,
} from '../../protocol/schemas/wadm.js';
import { describeIssues } from '../../protocol/envelope.js';
import { referencedConfigs } from '../scalers/config-scaler.js';
import { planApp } from '../scalers/plan.js';
import type { LatticeState } from '../scalers/types.js';
import { canonical, type ManifestStore } from '../store/manifest-store.js';
import { findVersion, latest } from '../store/record.js';
import type { StatusStore } from '../store/status-store.js';
import { checkSharedRefs, resolveSharedIds } from './shared-refs.js';

/** A request wadm cannot serve (unknown app or version, bad body): a `success: false` reply. */
export class ApiFailure extends Error {}

export interface ApiContext {
  store: ManifestStore;
  statuses: StatusStore;
  /** The lattice as it is now, for deploy-time placement problems (with the named configs). */
  observe: (needs: { configs: string[] }) => Promise<LatticeState>;
  logger: Logger;
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new ApiFailure(`bad request: ${describeIssues(r.error)}`);
  return r.data;
}

function need(name: string | undefined): string {
  if (!name) throw new ApiFailure('this operation needs an application name in the subject');
  return name;
}

const notFound = (name: string) => new ApiFailure(`application "${name}" not found`);

export async function put(ctx: ApiContext, _name: string | undefined, body: unknown): Promise<PutReply> {
  const { manifest } = parse(PutRequest, body);
  return ctx.store.put(manifest);
}

export async function get(ctx: ApiContext, name: string | undefined, body: unknown): Promise<GetReply> {
  const app = need(name);
  const { version } = parse(VersionRequest, body);
  const found = await ctx.store.get(app, version);
  if (!found) throw version ? new ApiFailure(`application "${app}" has no version "${version}"`) : notFound(app);
  return {
    name: app,
    version: found.version.version,
    created_at: found.version.created_at,
    deployed: found.record.deployed_version === found.version.version,
    manifest: found.version.manifest,
  };
}

export async function list(ctx: ApiContext): Promise<AppSummary[]> {
  const records = await ctx.store.list();
  return Promise.all(
    records.map(async (r) => {
      const status = await ctx.statuses.get(r.name);
      const shown = r.deployed_version ? (findVersion(r, r.deployed_version) ?? latest(r)) : latest(r);
      return {
        name: r.name,
        latest_version: latest(r).version,
        deployed_version: r.deployed_version,
        description: describe(shown),
        state: status?.state ?? (r.deployed_version ? 'reconciling' : 'undeployed'),
        message: status?.message ?? '',
      };
    }),
  );
}

function describe(version: Parameters<typeof canonical>[0]): string | null {
  try {
    return canonical(version).description ?? null;
  } catch {
    return null; // stored by an older schema: list it anyway
  }
}

export async function versions(ctx: ApiContext, name: string | undefined): Promise<VersionInfo[]> {
  const app = need(name);
  const found = await ctx.store.versions(app);
  if (!found) throw notFound(app);
  return found;
}

export async function del(ctx: ApiContext, name: string | undefined, body: unknown): Promise<DeleteReply> {
  const app = need(name);
  const { version } = parse(VersionRequest, body);
  const revision = await ctx.statuses.revision(app);
  const result = await ctx.store.delete(app, version);
  if (!result) throw notFound(app);
  if (!result.ok) throw new ApiFailure(result.message);
  if (result.undeployed) await setStatus(ctx, app, revision, null, 'reconciling', 'deleted: undeploying');
  else if (version === undefined) await ctx.statuses.delete(app);
  return { deleted: result.deleted, undeployed: result.undeployed };
}

/**
 * Deploys the latest or a named version. Refused (accepted: false) when a shared application it
 * references is missing; otherwise recorded at once, with what cannot be placed on the lattice
 * as it is now, so the caller learns about `zone=moon` without waiting for a timeout.
 */
export async function deploy(ctx: ApiContext, name: string | undefined, body: unknown): Promise<DeployReply> {
  const app = need(name);
  const { version } = parse(VersionRequest, body);
  const found = await ctx.store.get(app, version);
  if (!found) throw version ? new ApiFailure(`application "${app}" has no version "${version}"`) : notFound(app);
  const manifest = canonical(found.version);
  const problems = await checkSharedRefs(ctx.store, manifest);
  if (problems.length) {
    return { accepted: false, name: app, version: found.version.version, problems, placement: [], state: 'failed' };
  }
  const revision = await ctx.statuses.revision(app);
  const result = await ctx.store.deploy(app, found.version.version);
  if (!result) throw notFound(app);
  if (!result.ok) throw new ApiFailure(result.message);
  let state: LatticeState;
  try {
    state = await ctx.observe({ configs: [...referencedConfigs(manifest).keys()] });
  } catch (error) {
    // The deploy is recorded; placement is advisory, and the reconciler will report it.
    ctx.logger.warn({ app, err: error }, 'could not observe the lattice for placement checks');
    await setStatus(ctx, app, revision, result.version, 'reconciling', `deploying version ${result.version}`);
    return { accepted: true, name: app, version: result.version, problems: [], placement: [], state: 'reconciling' };
  }
  const resolved = await resolveSharedIds(ctx.store, manifest);
  const plan = planApp({ app, manifest: resolved, state });
  const message = plan.problems.length ? plan.problems.map((p) => p.message).join('; ') : `deploying version ${result.version}`;
  await setStatus(ctx, app, revision, result.version, plan.state, message, plan.scalers);
  return { accepted: true, name: app, version: result.version, problems: [], placement: plan.problems, state: plan.state };
}

export async function undeploy(ctx: ApiContext, name: string | undefined): Promise<UndeployReply> {
  const app = need(name);
  const revision = await ctx.statuses.revision(app);
  const result = await ctx.store.undeploy(app);
  if (!result) throw notFound(app);
  if (result.undeployed) await setStatus(ctx, app, revision, null, 'reconciling', 'undeploying');
  return { name: app, undeployed: result.undeployed };
}

export async function status(ctx: ApiContext, name: string | undefined): Promise<AppStatus> {
  const app = need(name);
  const record = await ctx.store.record(app);
  if (!record || record.deleted) throw notFound(app);
  const stored = await ctx.statuses.get(app);
  return (
    stored ?? {
      name: app,
      version: record.deployed_version,
      state: record.deployed_version ? 'reconciling' : 'undeployed',
      message: record.deployed_version ? 'waiting for the reconciler' : 'not deployed',
      scalers: [],
      updated_at: new Date().toISOString(),
    }
  );
}

/**
 * Writes the API's early status unless the reconciler has written one since `revision` was read
 * (before the manifest change): the reconciler reacts to the change at once, and its status, being
 * newer, must not be overwritten by this one for a tick.
 */
async function setStatus(
  ctx: ApiContext,
  app: string,
  revision: number,
  version: string | null,
  state: AppStatus['state'],
  message: string,
  scalers: AppStatus['scalers'] = [],
): Promise<void> {
  try {
    await ctx.statuses.putIfUnchanged({ name: app, version, state, message, scalers, updated_at: new Date().toISOString() }, revision);
  } catch (error) {
    // Status is advisory; the manifest change already happened and must still be answered.
    ctx.logger.warn({ app, err: error }, 'could not write application status');
  }
}
