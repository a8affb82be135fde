/**
 * Canary upgrades in the component scaler (docs/wadm.md, "Canaries"). While an upgrade of a
 * component is watched, every host that runs the image being replaced (the "stable" image) keeps
 * it and sends `weight` percent of the component's invocations to the new image; once the judge
 * (wadm/reconciler/canary-judge.ts) has promoted it, the upgrade completes as any other, the hosts
 * turning their loaded canary into the running version; once it has rolled it back, the stable
 * image stays and the canary is dropped until the earlier version is deployed again.
 */
import type { CanaryRequest } from '../../protocol/schemas/canary.js';
import { isOwnedBy } from './annotations.js';
import type { Command, ObservedComponent, ObservedHost } from './types.js';

/** What the plan knows of a component's canary: the policy's share and the verdict given so far. */
export interface CanaryInput {
  weight: number;
  verdict?: 'promoted' | 'rolled_back';
}

/** How this round places the component: the stable image, with the canary beside it or not. */
export interface CanaryMode {
  stable: string;
  /** Absent after a rollback: the stable image alone. */
  canary?: CanaryRequest;
}

/**
 * The image the app's hosts run that the manifest replaces, the most common one when hosts differ
 * (ties by name, so every round picks the same). Null when nothing is replaced: a first deploy, or
 * every host already on the manifest's image, needs no canary.
 */
export function stableImage(hosts: readonly ObservedHost[], app: string, componentId: string, image: string): string | null {
  const counts = new Map<string, number>();
  for (const host of hosts) {
    const seen = host.components.find((c) => c.id === componentId);
    if (!seen || seen.image_ref === image || !isOwnedBy(seen.annotations, app)) continue;
    counts.set(seen.image_ref, (counts.get(seen.image_ref) ?? 0) + 1);
  }
  let best: [string, number] | null = null;
  for (const entry of counts) if (!best || entry[1] > best[1] || (entry[1] === best[1] && entry[0] < best[0])) best = entry;
  return best?.[0] ?? null;
}

/** The mode for this round, or null when the component upgrades (or runs) as usual. */
export function canaryMode(input: CanaryInput | undefined, hosts: readonly ObservedHost[], app: string, componentId: string, image: string): CanaryMode | null {
  if (!input || input.verdict === 'promoted') return null;
  const stable = stableImage(hosts, app, componentId, image);
  if (stable === null) return null;
  return input.verdict === 'rolled_back' ? { stable } : { stable, canary: { image_ref: image, weight: input.weight } };
}

const sameCanary = (a: CanaryRequest | undefined, b: CanaryRequest | undefined) => a?.image_ref === b?.image_ref && a?.weight === b?.weight;

/**
 * The scale command for a host that should run `want` slots in canary mode, or null when it
 * already does. A host already on the new image stays there (it is not taken back); the caller
 * scales it as usual.
 */
export function canaryCommand(
  mode: CanaryMode,
  base: Omit<Extract<Command, { type: 'scale_component' }>, 'image_ref' | 'allow_update' | 'canary'>,
  seen: ObservedComponent | undefined,
  have: number,
): Command | null {
  if (have === base.count && seen?.image_ref === mode.stable && sameCanary(seen.canary, mode.canary)) return null;
  return {
    ...base,
    image_ref: mode.stable,
    allow_update: seen !== undefined && seen.image_ref !== mode.stable,
    ...(mode.canary ? { canary: mode.canary } : {}),
  };
}

/** Whether a command turns a host's loaded canary into its running version (no wave needed). */
export function isPromotion(command: Command, seen: ObservedComponent | undefined): boolean {
  return command.type === 'scale_component' && command.count > 0 && seen?.canary?.image_ref === command.image_ref;
}
