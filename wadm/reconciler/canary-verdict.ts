/**
 * The canary verdict as a pure function of the policy and both versions' figures, and how the
 * figures of several hosts add up. Kept apart from the judge's timing and NATS reads so that the
 * rule is tested on its own (canary-verdict.test.ts).
 */
import type { VersionFigures } from '../../protocol/schemas/canary.js';
import type { CanaryPolicy } from '../manifest/canary-policy.js';

export type Verdict = { state: 'watching' | 'promoted' | 'rolled_back'; reason: string };

const EMPTY: VersionFigures = { requests: 0, errors: 0, p50_ms: 0, p99_ms: 0 };

/**
 * Figures of one version over several hosts: counts add up, p50 is the request-weighted mean of
 * the hosts' p50s, and p99 is the highest host's p99 (hosts report percentiles, not histograms;
 * taking the worst host is the cautious reading, applied to both versions alike).
 */
export function combineFigures(figures: readonly VersionFigures[]): VersionFigures {
  const busy = figures.filter((f) => f.requests > 0);
  if (busy.length === 0) return { ...EMPTY };
  const requests = busy.reduce((a, f) => a + f.requests, 0);
  return {
    requests,
    errors: busy.reduce((a, f) => a + f.errors, 0),
    p50_ms: round(busy.reduce((a, f) => a + f.p50_ms * f.requests, 0) / requests),
    p99_ms: Math.max(...busy.map((f) => f.p99_ms)),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const rate = (f: VersionFigures) => (f.requests ? f.errors / f.requests : 0);
const percent = (n: number) => `${round(n * 100)}%`;

/**
 * Promoted when the canary answered at least `minRequests` invocations, its error rate is at
 * most the running version's plus `errorMargin`, and its p99 at most `latencyRatio` times the
 * running version's (taken as at least 1 ms, so that a sub-millisecond baseline does not make
 * noise a failure); rolled back when either bound is passed; still watching with fewer requests.
 */
export function judgeCanary(policy: CanaryPolicy, stable: VersionFigures, canary: VersionFigures): Verdict {
  if (canary.requests < policy.minRequests) {
    return { state: 'watching', reason: `${canary.requests} of the ${policy.minRequests} canary requests needed for a verdict` };
  }
  const errors = `error rate ${percent(rate(canary))} against ${percent(rate(stable))}`;
  if (rate(canary) > rate(stable) + policy.errorMargin) {
    return { state: 'rolled_back', reason: `${errors}, above the margin of ${percent(policy.errorMargin)}` };
  }
  const limit = round(Math.max(stable.p99_ms, 1) * policy.latencyRatio);
  const latency = `p99 ${canary.p99_ms} ms against ${stable.p99_ms} ms`;
  if (canary.p99_ms > limit) {
    return { state: 'rolled_back', reason: `${latency}, above the limit of ${limit} ms (${errors})` };
  }
  return { state: 'promoted', reason: `${errors}, ${latency}, over ${canary.requests} canary requests` };
}
