import { z } from 'zod';
import { CanaryRequest } from './canary.js';
import { Annotations, HostId, Identifier, Labels } from './common.js';
import { HostHeartbeat, HostInventory } from './host.js';
import { Link } from './links.js';

/** CloudEvents 1.0 structured-mode envelope, as wasmCloud publishes on `wasmbus.evt.*`. */
export const CloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string(),
  source: z.string(),
  type: z.string(),
  time: z.string(),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
});
export type CloudEvent = z.infer<typeof CloudEvent>;

/** CloudEvent `type` prefix; the subject carries the short name. */
export const EVENT_TYPE_PREFIX = 'com.wasmcloud.lattice.';

const HostRef = z.object({ host_id: HostId });

export const eventData = {
  host_heartbeat: HostHeartbeat,
  host_started: HostRef.extend({ friendly_name: z.string(), labels: Labels, version: z.string() }),
  host_stopped: HostRef.extend({ reason: z.string() }),
  /** Full inventory, published at start, on every change and on request. */
  host_inventory: HostInventory,
  labels_changed: HostRef.extend({ labels: Labels }),
  config_set: z.object({ config_name: z.string() }),
  config_deleted: z.object({ config_name: z.string() }),
  linkdef_set: Link,
  linkdef_deleted: z.object({
    source_id: Identifier,
    wit_namespace: z.string(),
    wit_package: z.string(),
    name: z.string(),
    target: Identifier,
  }),
  component_scaled: HostRef.extend({
    component_id: Identifier,
    image_ref: z.string(),
    max_instances: z.number().int().nonnegative(),
    annotations: Annotations,
    /** The canary running beside `image_ref` (schemas/canary.ts), when there is one. */
    canary: CanaryRequest.optional(),
  }),
  component_scale_failed: HostRef.extend({
    component_id: Identifier,
    image_ref: z.string(),
    max_instances: z.number().int().nonnegative(),
    annotations: Annotations,
    error: z.string(),
  }),
  provider_started: HostRef.extend({
    provider_id: Identifier,
    image_ref: z.string(),
    annotations: Annotations,
  }),
  provider_start_failed: HostRef.extend({
    provider_id: Identifier,
    provider_ref: z.string(),
    error: z.string(),
  }),
  provider_stopped: HostRef.extend({
    provider_id: Identifier,
    annotations: Annotations,
    reason: z.string(),
  }),
  /** A policy decision the host asked for (docs/security.md, "Policy"); also a trust refusal. */
  policy_decision: HostRef.extend({
    kind: z.enum(['startComponent', 'startProvider', 'putLink']),
    /** The component or provider id, or the link's source id. */
    id: Identifier,
    image_ref: z.string().optional(),
    permitted: z.boolean(),
    reason: z.string(),
    request_id: z.string(),
  }),
  health_check_passed: HostRef.extend({ provider_id: Identifier }),
  health_check_failed: HostRef.extend({ provider_id: Identifier, message: z.string().optional() }),
} as const;

export type EventType = keyof typeof eventData;
export type EventData<T extends EventType> = z.infer<(typeof eventData)[T]>;

export const EVENT_TYPES = Object.keys(eventData) as EventType[];

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(eventData, value);
}
