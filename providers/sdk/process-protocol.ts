import { z } from 'zod';
import { Identifier } from '../../protocol/mod.js';

/**
 * The host and a provider child process talk over the Node IPC channel (fork): start settings go
 * in an environment variable, health and stop requests as messages. Both ends validate with
 * these schemas; everything else a provider does goes over NATS like any other lattice member.
 */
export const PROVIDER_SETTINGS_ENV = 'LATTICE_PROVIDER_SETTINGS';

export const ProcessSettings = z.object({
  providerId: Identifier,
  providerRef: z.string(),
  hostId: z.string(),
  lattice: z.string(),
  configNames: z.array(z.string()),
  secretNames: z.array(z.string()).default([]),
  dataDir: z.string(),
});
export type ProcessSettings = z.infer<typeof ProcessSettings>;

export const ParentMessage = z.discriminatedUnion('type', [z.object({ type: z.literal('health'), id: z.number() }), z.object({ type: z.literal('stop') })]);
export type ParentMessage = z.infer<typeof ParentMessage>;

export const ChildMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('start-failed'), message: z.string() }),
  z.object({
    type: z.literal('health'),
    id: z.number(),
    healthy: z.boolean(),
    message: z.string().optional(),
  }),
]);
export type ChildMessage = z.infer<typeof ChildMessage>;
