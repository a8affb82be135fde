import type { ProblemList } from './problems.js';
import { asList, asMap, asString } from './raw-view.js';
import type { Policy } from './schema.js';

/**
 * The canary policy (docs/wadm.md, "Canaries"): a policy of this type in `spec.policies` makes
 * an upgrade of the app's components start as a canary on every host running them, judged
 * after a window against the running version, then promoted or rolled back. Its properties are
 * strings, as every wadm policy's. wadm itself keeps unknown policy types and ignores them.
 */
export const CANARY_POLICY_TYPE = 'policy.lattice.dev/canary';

export interface CanaryPolicy {
  /** Percent of each host's invocations of the component that go to the new version. */
  weight: number;
  /** How long both versions are watched before the verdict. */
  windowMs: number;
  /** Canary invocations needed for a verdict; fewer keep the window open. */
  minRequests: number;
  /** How much higher (absolute, 0.01 = one point) the canary's error rate may be. */
  errorMargin: number;
  /** How many times the running version's p99 (at least 1 ms) the canary's p99 may be. */
  latencyRatio: number;
}

interface Field {
  key: string;
  defaultValue: number;
  valid: (n: number) => boolean;
  rule: string;
}

const FIELDS: Array<[keyof CanaryPolicy, Field]> = [
  ['weight', { key: 'weight', defaultValue: 10, valid: (n) => Number.isInteger(n) && n >= 1 && n <= 99, rule: 'a whole percent from 1 to 99' }],
  ['windowMs', { key: 'window_seconds', defaultValue: 60, valid: (n) => n > 0 && n <= 86_400, rule: 'seconds, above 0 and at most a day' }],
  ['minRequests', { key: 'min_requests', defaultValue: 20, valid: (n) => Number.isInteger(n) && n >= 1, rule: 'a whole number from 1' }],
  ['errorMargin', { key: 'error_margin', defaultValue: 0.01, valid: (n) => n >= 0 && n <= 1, rule: 'a fraction from 0 to 1' }],
  ['latencyRatio', { key: 'latency_ratio', defaultValue: 2, valid: (n) => n >= 1, rule: 'a ratio of at least 1' }],
];

/** The app's canary policy with defaults filled in, or null when it has none (valid manifests only). */
export function canaryPolicyOf(policies: readonly Policy[]): CanaryPolicy | null {
  const policy = policies.find((p) => p.type === CANARY_POLICY_TYPE);
  if (!policy) return null;
  const out = {} as CanaryPolicy;
  for (const [name, field] of FIELDS) {
    const text = policy.properties?.[field.key];
    const n = text === undefined ? field.defaultValue : Number(text);
    out[name] = name === 'windowMs' ? n * 1000 : n;
  }
  return out;
}

/** At most one canary policy, with known properties of valid values; every problem with its path. */
export function checkCanaryPolicy(raw: unknown, problems: ProblemList): void {
  const policies = asList(asMap(asMap(raw).spec).policies).map(asMap);
  let seen = false;
  policies.forEach((p, i) => {
    if (p.type !== CANARY_POLICY_TYPE) return;
    const at = ['spec', 'policies', i];
    if (seen) problems.error([...at, 'type'], `only one ${CANARY_POLICY_TYPE} policy may be given`);
    seen = true;
    const props = asMap(p.properties);
    for (const key of Object.keys(props)) {
      const field = FIELDS.find(([, f]) => f.key === key)?.[1];
      if (!field) {
        problems.error([...at, 'properties', key], `unknown canary property "${key}" (known: ${FIELDS.map(([, f]) => f.key).join(', ')})`);
        continue;
      }
      const text = asString(props[key]);
      const n = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n) || !field.valid(n)) problems.error([...at, 'properties', key], `${key} must be ${field.rule}, not ${JSON.stringify(props[key])}`);
    }
  });
}
