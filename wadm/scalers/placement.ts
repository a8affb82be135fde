import type { AppSpread } from '../manifest/model.js';
import type { ObservedHost } from './types.js';

/**
 * Splits `total` across weights by the largest-remainder method: each entry gets the floor of its
 * exact share, and the units left over go to the largest fractional parts (ties: larger weight,
 * then manifest order). The result always sums to `total` and is the closest integer split, so
 * 80/20 of 10 is exactly 8/2 and 40/40/20 of 5 is 2/2/1. All-zero weights give all zeros.
 */
export function splitByWeight(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = weights.map((w, i) => ({ i, w, frac: exact[i]! - shares[i]! })).sort((a, b) => b.frac - a.frac || b.w - a.w || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    shares[i]! += 1;
    left -= 1;
  }
  return shares;
}

export function matchesRequirements(labels: Record<string, string>, requirements: Record<string, string>): boolean {
  return Object.entries(requirements).every(([k, v]) => labels[k] === v);
}

export function formatRequirements(requirements: Record<string, string>): string {
  const pairs = Object.entries(requirements).map(([k, v]) => `${k}=${v}`);
  return pairs.length ? pairs.join(',') : '(any host)';
}

/** wadm's rule: no spread entries means one entry that matches every host. */
export function effectiveSpreads(spread: readonly AppSpread[]): AppSpread[] {
  return spread.length ? [...spread] : [{ name: 'default', requirements: {}, weight: 100 }];
}

export function eligibleHosts(hosts: readonly ObservedHost[], spread: AppSpread): ObservedHost[] {
  return hosts.filter((h) => matchesRequirements(h.labels, spread.requirements));
}

/** FNV-1a: a cheap, stable string hash (placement must not depend on Math.random or on order). */
export function stableHash(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Divides `count` as evenly as possible over `hosts`. The odd units stay where they already run
 * (`current`: this component's slots per host), so a host joining does not move an instance
 * that is fine where it is; the rest go by a stable hash of `salt` (the component id) and the
 * host id, so different components put their odd units on different hosts. Planning again after
 * the commands ran gives the same split (the chosen hosts are then the ones holding the extras).
 */
export function evenSplit(count: number, hosts: readonly ObservedHost[], salt: string, current: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const out = new Map<string, number>();
  if (hosts.length === 0) return out;
  const base = Math.floor(count / hosts.length);
  const extra = count % hosts.length;
  const holds = (h: ObservedHost) => ((current.get(h.id) ?? 0) > base ? 0 : 1);
  const ranked = [...hosts].sort((a, b) => holds(a) - holds(b) || stableHash(`${salt}/${a.id}`) - stableHash(`${salt}/${b.id}`) || a.id.localeCompare(b.id));
  ranked.forEach((h, rank) => out.set(h.id, base + (rank < extra ? 1 : 0)));
  return out;
}

/** No new instances on a host that uses more than this share of its memory. */
export const MEMORY_AVOID_USED = 0.9;
/**
 * Instances already on a host move away only above this share, so a host hovering around the
 * first threshold does not see them come and go.
 */
export const MEMORY_EVICT_USED = 0.97;

/** The share of its memory a host uses, from its heartbeat; null when it does not say. */
export function memoryUsed(host: ObservedHost): number | null {
  const c = host.capacity;
  if (!c || c.memory_total_bytes <= 0) return null;
  return 1 - c.memory_free_bytes / c.memory_total_bytes;
}

/**
 * The hosts of `hosts` with memory to spare: under MEMORY_AVOID_USED, or under MEMORY_EVICT_USED
 * for a host that already runs some of this (`current`). When none has, all of them: running
 * short is better than not running.
 */
export function roomyHosts(hosts: readonly ObservedHost[], current: ReadonlyMap<string, number>): ObservedHost[] {
  const roomy = hosts.filter((h) => {
    const used = memoryUsed(h);
    return used === null || used <= ((current.get(h.id) ?? 0) > 0 ? MEMORY_EVICT_USED : MEMORY_AVOID_USED);
  });
  return roomy.length > 0 ? roomy : [...hosts];
}

/**
 * Divides `count` over `hosts` in proportion to their CPUs (largest remainder, hosts in id order
 * so the split is stable). A host that does not report its capacity counts as the median of
 * those that do (1 CPU when none does).
 */
export function capacitySplit(count: number, hosts: readonly ObservedHost[]): Map<string, number> {
  const sorted = [...hosts].sort((a, b) => a.id.localeCompare(b.id));
  const known = sorted.flatMap((h) => (h.capacity ? [h.capacity.cpus] : [])).sort((a, b) => a - b);
  const fallback = known.length ? known[Math.floor(known.length / 2)]! : 1;
  const shares = splitByWeight(
    count,
    sorted.map((h) => h.capacity?.cpus ?? fallback),
  );
  return new Map(sorted.map((h, i) => [h.id, shares[i]!]));
}
