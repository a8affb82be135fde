import { z } from 'zod';
import { CanaryStatus } from './canary.js';
import { Annotations, HostId, Identifier, LabelKey, Labels } from './common.js';

/** What a host says about itself in a ping reply and in `get hosts`. */
export const HostInfo = z.object({
  id: HostId,
  friendly_name: z.string(),
  labels: Labels,
  version: z.string(),
  lattice: z.string(),
  started_at: z.string(),
  uptime_seconds: z.number().nonnegative(),
  revision: z.number().int().nonnegative(),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const ComponentDescription = z.object({
  id: Identifier,
  image_ref: z.string(),
  name: z.string().optional(),
  annotations: Annotations,
  /** Maximum concurrent instances on this host (wasmCloud's `max_instances`). */
  max_instances: z.number().int().nonnegative(),
  revision: z.number().int().nonnegative(),
  /** Present while a canary runs on this host (schemas/canary.ts). */
  canary: CanaryStatus.optional(),
});
export type ComponentDescription = z.infer<typeof ComponentDescription>;

export const ProviderDescription = z.object({
  id: Identifier,
  image_ref: z.string(),
  name: z.string().optional(),
  annotations: Annotations,
  revision: z.number().int().nonnegative(),
  /** `builtin` runs in the host process, `process` is a supervised child. */
  mode: z.enum(['builtin', 'process']).optional(),
  status: z.string().optional(),
});
export type ProviderDescription = z.infer<typeof ProviderDescription>;

export const HostInventory = HostInfo.extend({
  components: z.array(ComponentDescription),
  providers: z.array(ProviderDescription),
});
export type HostInventory = z.infer<typeof HostInventory>;

export const InventoryCounts = z.object({
  components: z.number().int().nonnegative(),
  providers: z.number().int().nonnegative(),
  /** Sum of max_instances over all components: the concurrency slots this host offers. */
  instances: z.number().int().nonnegative(),
});
export type InventoryCounts = z.infer<typeof InventoryCounts>;

/**
 * What a host has to run things on, measured at each heartbeat: wadm avoids hosts short of memory
 * and, with `lattice.dev/placement: capacity`, gives hosts shares in proportion to `cpus`.
 * Memory is the cgroup's where the host runs in a container with a limit.
 */
export const HostCapacity = z.object({
  cpus: z.number().int().positive(),
  memory_total_bytes: z.number().nonnegative(),
  memory_free_bytes: z.number().nonnegative(),
  /** One-minute load average (0 where the OS has none). */
  load1: z.number().nonnegative(),
});
export type HostCapacity = z.infer<typeof HostCapacity>;

/**
 * Heartbeat payload. Deliberately small and independent of how many components run: the full
 * inventory travels in `host_inventory` events, sent only when it changes; `revision` tells
 * observers whether the copy they hold is current.
 */
export const HostHeartbeat = z.object({
  id: HostId,
  friendly_name: z.string(),
  labels: Labels,
  version: z.string(),
  uptime_seconds: z.number().nonnegative(),
  counts: InventoryCounts,
  revision: z.number().int().nonnegative(),
  /** Interval the host promised; observers consider it gone after a few missed beats. */
  interval_ms: z.number().int().positive(),
  /** Absent from hosts that do not measure it (older versions, other implementations). */
  capacity: HostCapacity.optional(),
});
export type HostHeartbeat = z.infer<typeof HostHeartbeat>;

export const LabelPutRequest = z.strictObject({ key: LabelKey, value: z.string().max(4096) });
export type LabelPutRequest = z.infer<typeof LabelPutRequest>;

export const LabelDelRequest = z.strictObject({ key: LabelKey });
export type LabelDelRequest = z.infer<typeof LabelDelRequest>;

export const StopHostRequest = z.strictObject({
  /** Deadline for draining in-flight work, in milliseconds. */
  timeout_ms: z.number().int().positive().max(600_000).optional(),
});
export type StopHostRequest = z.infer<typeof StopHostRequest>;
