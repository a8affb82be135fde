import { z } from 'zod';
import { VersionFigures } from './canary.js';

/**
 * wadm API payloads (`wadm.api.<lattice>.model.<op>[.<name>]`, replies in the control envelope
 * `{ success, message, response }`) and status (`wadm.status.<lattice>.<app>`). Application
 * outcomes that carry detail (a rejected manifest, placement problems) are `success: true`
 * replies with `accepted: false` and the problems as data; `success: false` is for requests
 * that cannot be handled at all (unknown application or version, malformed request, store down).
 */

export const WADM_OPS = ['put', 'get', 'list', 'versions', 'del', 'deploy', 'undeploy', 'status'] as const;
export type WadmOp = (typeof WADM_OPS)[number];

export const ManifestProblem = z.object({
  level: z.enum(['error', 'warning']),
  /** e.g. `spec.components[1].traits[0].properties.target`; empty for the whole document. */
  path: z.string(),
  message: z.string(),
});
export type ManifestProblem = z.infer<typeof ManifestProblem>;

export const PlacementProblem = z.object({
  component: z.string(),
  scaler: z.enum(['spreadscaler', 'daemonscaler']),
  spread: z.string(),
  requirements: z.record(z.string(), z.string()),
  wanted: z.number().int().nonnegative(),
  placed: z.number().int().nonnegative(),
  message: z.string(),
});
export type PlacementProblem = z.infer<typeof PlacementProblem>;

export const ScalerState = z.enum(['deployed', 'reconciling', 'failed', 'waiting']);
export type ScalerState = z.infer<typeof ScalerState>;

export const AppState = z.enum(['deployed', 'reconciling', 'failed', 'waiting', 'undeployed']);
export type AppState = z.infer<typeof AppState>;

export const ScalerStatus = z.object({
  id: z.string(),
  kind: z.enum(['spreadscaler', 'daemonscaler', 'link', 'config']),
  component: z.string(),
  state: ScalerState,
  message: z.string(),
});
export type ScalerStatus = z.infer<typeof ScalerStatus>;

/**
 * One component's canary in an application's status (being watched, or decided) and in its
 * version history (decided): the new image, its share, the window, and both versions' figures
 * summed over the hosts running it (schemas/canary.ts).
 */
export const CanaryReport = z.object({
  /** The version whose upgrade the canary watched or decided. */
  version: z.string(),
  component: z.string(),
  image_ref: z.string(),
  weight: z.number().int(),
  window_s: z.number(),
  state: z.enum(['watching', 'promoted', 'rolled_back']),
  /** Why it was decided so, or what it waits for. */
  reason: z.string(),
  /** When the window started (every host running its share), and when it was decided. */
  since: z.string().optional(),
  decided_at: z.string().optional(),
  stable: VersionFigures,
  canary: VersionFigures,
});
export type CanaryReport = z.infer<typeof CanaryReport>;

export const AppStatus = z.object({
  name: z.string(),
  version: z.string().nullable(),
  state: AppState,
  message: z.string(),
  scalers: z.array(ScalerStatus),
  /** Canaries of the deployed version, while watched and once decided. */
  canaries: z.array(CanaryReport).optional(),
  updated_at: z.string(),
});
export type AppStatus = z.infer<typeof AppStatus>;

// ---- requests ----

/** The manifest as parsed from YAML/JSON by the client; wadm validates it again. */
export const PutRequest = z.strictObject({ manifest: z.unknown() });
export type PutRequest = z.infer<typeof PutRequest>;

/** get, del, deploy: an optional version (default: latest for get/deploy, all for del). */
export const VersionRequest = z.strictObject({ version: z.string().min(1).optional() });
export type VersionRequest = z.infer<typeof VersionRequest>;

// ---- replies ----

export const PutReply = z.object({
  accepted: z.boolean(),
  name: z.string().nullable(),
  version: z.string().nullable(),
  /** False when the same version with the same content was already stored. */
  created: z.boolean(),
  problems: z.array(ManifestProblem),
});
export type PutReply = z.infer<typeof PutReply>;

export const GetReply = z.object({
  name: z.string(),
  version: z.string(),
  created_at: z.string(),
  deployed: z.boolean(),
  /** The manifest as stored (the input form, deprecated spellings included). */
  manifest: z.unknown(),
});
export type GetReply = z.infer<typeof GetReply>;

export const AppSummary = z.object({
  name: z.string(),
  latest_version: z.string(),
  deployed_version: z.string().nullable(),
  description: z.string().nullable(),
  state: AppState,
  message: z.string(),
});
export type AppSummary = z.infer<typeof AppSummary>;
export const ListReply = z.array(AppSummary);

export const VersionInfo = z.object({
  version: z.string(),
  created_at: z.string(),
  deployed: z.boolean(),
  /** Canary verdicts on this version (promoted or rolled back), with their figures. */
  canaries: z.array(CanaryReport).optional(),
});
export type VersionInfo = z.infer<typeof VersionInfo>;
export const VersionsReply = z.array(VersionInfo);

export const DeleteReply = z.object({ deleted: z.array(z.string()), undeployed: z.boolean() });
export type DeleteReply = z.infer<typeof DeleteReply>;

export const DeployReply = z.object({
  accepted: z.boolean(),
  name: z.string(),
  version: z.string().nullable(),
  /** Why the deploy was refused (e.g. a shared application that is not deployed). */
  problems: z.array(ManifestProblem),
  /** What cannot be placed on the lattice as it is now; the deploy stands and waits for hosts. */
  placement: z.array(PlacementProblem),
  state: AppState,
});
export type DeployReply = z.infer<typeof DeployReply>;

export const UndeployReply = z.object({ name: z.string(), undeployed: z.boolean() });
export type UndeployReply = z.infer<typeof UndeployReply>;

export const StatusReply = AppStatus;
