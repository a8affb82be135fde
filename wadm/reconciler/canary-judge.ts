/**
 * Watches the canaries of deployed applications (docs/wadm.md, "Canaries"). A component's window
 * opens once every host that runs it serves its canary, and lasts the policy's `window_seconds`;
 * then the figures the hosts count (their inventories, read over the control interface) are added
 * up and judged (canary-verdict.ts). Windows live in the leader's memory: a new leader opens them
 * again, which only delays a verdict. Verdicts are stored with their version (ManifestStore.noteCanary).
 */
import type { Logger } from '../../lib/logger.js';
import type { ControlClient } from '../../protocol/control-client.js';
import type { VersionFigures } from '../../protocol/schemas/canary.js';
import type { CanaryReport } from '../../protocol/schemas/wadm.js';
import { type CanaryPolicy, canaryPolicyOf } from '../manifest/canary-policy.js';
import type { AppComponent, AppManifest } from '../manifest/model.js';
import { isOwnedBy } from '../scalers/annotations.js';
import { stableImage } from '../scalers/canary.js';
import type { LatticeState } from '../scalers/types.js';
import type { DesiredApp } from '../store/manifest-store.js';
import { combineFigures, judgeCanary } from './canary-verdict.js';

/** Live figures are read again at most this often while a window is open (status only). */
export const FIGURES_REFRESH_MS = 2_000;

/** A deployment whose upgrades go through canaries: its policy and the verdicts given so far. */
export interface CanaryContext {
  version: string;
  policy: CanaryPolicy;
  verdicts: Map<string, 'promoted' | 'rolled_back'>;
}

/**
 * The canary context of a deployment, or null: no policy, or no earlier version to roll back to
 * (a first deploy has nothing to compare with).
 */
export function canaryContext(manifest: AppManifest | null, desired: DesiredApp): CanaryContext | null {
  const policy = manifest ? canaryPolicyOf(manifest.policies) : null;
  const version = desired.deployedVersion;
  if (!policy || version === null || desired.rollbackVersion === null || desired.deleted) return null;
  const verdicts = new Map<string, 'promoted' | 'rolled_back'>();
  for (const c of desired.canaries) if (c.version === version && c.state !== 'watching') verdicts.set(c.component, c.state);
  return { version, policy, verdicts };
}

export interface CanaryReview {
  /** Canaries still watched, with their figures so far. */
  watching: CanaryReport[];
  /** Verdicts given now, to be stored. */
  decided: CanaryReport[];
  /** When a window ends, so that the reconciler looks again then rather than at its next tick. */
  nextAt: number | null;
}

interface Window {
  start: number;
  readAt: number;
  stable: VersionFigures;
  canary: VersionFigures;
}

const NONE: VersionFigures = { requests: 0, errors: 0, p50_ms: 0, p99_ms: 0 };

type Watched = AppComponent & { image: string };

export class CanaryJudge {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly ctl: Pick<ControlClient, 'getInventory'>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Looks at every undecided canary of the app: opens windows, refreshes figures, decides. */
  async review(app: string, manifest: AppManifest, context: CanaryContext, state: LatticeState): Promise<CanaryReview> {
    const review: CanaryReview = { watching: [], decided: [], nextAt: null };
    // Windows of a version deployed before this one (replaced while watched) are over.
    for (const key of this.windows.keys()) if (key.startsWith(`${app}@`) && !key.startsWith(`${app}@${context.version}/`)) this.windows.delete(key);
    for (const component of manifest.components) {
      if (component.kind !== 'component' || component.image === undefined || !component.scaler) continue;
      if (context.verdicts.has(component.name)) continue;
      const report = await this.watch(app, { ...component, image: component.image }, context, state, review);
      if (report) (report.state === 'watching' ? review.watching : review.decided).push(report);
    }
    return review;
  }

  /** Drops the windows of an application (undeployed, deleted). */
  forget(app: string): void {
    for (const key of this.windows.keys()) if (key.startsWith(`${app}@`)) this.windows.delete(key);
  }

  private async watch(app: string, component: Watched, context: CanaryContext, state: LatticeState, review: CanaryReview): Promise<CanaryReport | null> {
    const { policy, version } = context;
    const key = `${app}@${version}/${component.name}`;
    const running = state.hosts.flatMap((h) => {
      const seen = h.components.find((c) => c.id === component.id && isOwnedBy(c.annotations, app));
      return seen ? [{ host: h.id, seen }] : [];
    });
    const serving = running.filter((r) => r.seen.canary?.image_ref === component.image);
    const pending = running.filter((r) => r.seen.image_ref !== component.image && r.seen.canary?.image_ref !== component.image);
    const base = { version, component: component.name, image_ref: component.image, weight: policy.weight, window_s: policy.windowMs / 1000 };
    if (serving.length === 0 || pending.length > 0) {
      this.windows.delete(key);
      if (serving.length === 0 && stableImage(state.hosts, app, component.id, component.image) === null) return null;
      const reason = `starting: ${serving.length} of ${serving.length + pending.length} host(s) serve the canary`;
      return { ...base, state: 'watching', reason, stable: NONE, canary: NONE };
    }
    const now = this.now();
    let window = this.windows.get(key);
    if (!window) {
      window = { start: now, readAt: 0, stable: NONE, canary: NONE };
      this.windows.set(key, window);
      this.logger.info({ app, version, component: component.name, hosts: serving.length, window_s: base.window_s }, 'canary window opened');
    }
    const ends = window.start + policy.windowMs;
    const over = now >= ends;
    if (over || now - window.readAt >= FIGURES_REFRESH_MS)
      await this.read(
        window,
        component,
        serving.map((r) => r.host),
      );
    const since = new Date(window.start).toISOString();
    const figures = { stable: window.stable, canary: window.canary };
    if (!over) {
      review.nextAt = Math.min(review.nextAt ?? ends, ends);
      return { ...base, state: 'watching', reason: `window ends in ${Math.ceil((ends - now) / 1000)} s`, since, ...figures };
    }
    const verdict = judgeCanary(policy, window.stable, window.canary);
    if (verdict.state === 'watching') return { ...base, ...verdict, since, ...figures };
    this.windows.delete(key);
    this.logger.info({ app, version, component: component.name, verdict: verdict.state, reason: verdict.reason, ...figures }, 'canary decided');
    return { ...base, ...verdict, since, decided_at: new Date(now).toISOString(), ...figures };
  }

  /** Both versions' figures summed over the hosts serving the canary; a host that does not answer is left out. */
  private async read(window: Window, component: Watched, hosts: string[]): Promise<void> {
    const inventories = await Promise.all(
      hosts.map((h) =>
        this.ctl.getInventory(h).catch((error: unknown) => {
          this.logger.debug({ host_id: h, err: error }, 'no inventory for the canary figures');
          return null;
        }),
      ),
    );
    const canaries = inventories.flatMap((inv) => {
      const c = inv?.components.find((x) => x.id === component.id)?.canary;
      return c && c.image_ref === component.image ? [c] : [];
    });
    window.readAt = this.now();
    if (canaries.length === 0) return;
    window.stable = combineFigures(canaries.map((c) => c.stable));
    window.canary = combineFigures(canaries.map((c) => c.canary));
  }
}
