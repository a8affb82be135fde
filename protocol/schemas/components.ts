import { z } from 'zod';
import { CanaryRequest } from './canary.js';
import { Annotations, HostId, Identifier, Labels } from './common.js';

export const ScaleComponentRequest = z.strictObject({
  component_id: Identifier,
  image_ref: z.string().min(1),
  /** Maximum concurrent instances on the host; 0 stops the component. */
  count: z.number().int().nonnegative().max(100_000),
  annotations: Annotations.default({}),
  config: z.array(Identifier).default([]),
  /** Secrets the component may read through `wasmcloud:secrets` (stored names or wadm references). */
  secrets: z.array(Identifier).default([]),
  /** Allow replacing the image of a running component through scale (wasmCloud's allow_update). */
  allow_update: z.boolean().default(false),
  /** Keep `image_ref` serving and send a share of the invocations to another image (canary.ts). */
  canary: CanaryRequest.optional(),
});
export type ScaleComponentRequest = z.infer<typeof ScaleComponentRequest>;
export type ScaleComponentInput = z.input<typeof ScaleComponentRequest>;

export const UpdateComponentRequest = z.strictObject({
  component_id: Identifier,
  new_image_ref: z.string().min(1),
  annotations: Annotations.optional(),
});
export type UpdateComponentRequest = z.infer<typeof UpdateComponentRequest>;

/** Auctions ask every host "could you run this?"; hosts whose labels match the constraints bid. */
export const AuctionRequest = z.strictObject({
  id: Identifier,
  image_ref: z.string().min(1),
  constraints: Labels.default({}),
});
export type AuctionRequest = z.infer<typeof AuctionRequest>;
export type AuctionInput = z.input<typeof AuctionRequest>;

export const AuctionBid = z.object({
  host_id: HostId,
  id: Identifier,
  image_ref: z.string(),
  constraints: Labels,
});
export type AuctionBid = z.infer<typeof AuctionBid>;
