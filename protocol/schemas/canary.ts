import { z } from 'zod';

/**
 * A canary on one host (scale_component's `canary`): the host keeps serving `image_ref` of the
 * request and sends `weight` percent of the component's invocations to the canary image, counting
 * both versions' figures from then on. A later scale without `canary` drops it, or promotes it when
 * its `image_ref` is the canary's image (the loaded canary becomes the running version).
 */
export const CanaryRequest = z.strictObject({
  image_ref: z.string().min(1),
  weight: z.number().int().min(1).max(99),
});
export type CanaryRequest = z.infer<typeof CanaryRequest>;

/**
 * What one version answered since the canary started on a host. An error is an invocation that
 * failed (trap, deadline, exit, host call failure) or an HTTP answer with a 5xx status; p50/p99
 * come from a log-scale histogram (buckets 20% apart).
 */
export const VersionFigures = z.object({
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  p50_ms: z.number().nonnegative(),
  p99_ms: z.number().nonnegative(),
});
export type VersionFigures = z.infer<typeof VersionFigures>;

/** A component's canary as its host reports it in the inventory. */
export const CanaryStatus = z.object({
  image_ref: z.string(),
  weight: z.number().int(),
  since: z.string(),
  stable: VersionFigures,
  canary: VersionFigures,
});
export type CanaryStatus = z.infer<typeof CanaryStatus>;
