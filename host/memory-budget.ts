import { availableParallelism } from 'node:os';
import type { RuntimeOptions } from '../runtime/mod.js';

/**
 * Measured on x86_64, Node 20 (bench/edge-footprint.ts, docs/edge.md): an idle `lattice host` with
 * no worker threads sits at ~110 MB RSS (~76 MB once jco is imported lazily), and each idle
 * runtime worker adds ~10 MB. The budget keeps a quarter of what is left for idle workers, half
 * for workers added while guests block on host calls, and a quarter as one guest's memory cap.
 */
export const HOST_BASE_MB = 80;
export const WORKER_MB = 10;
const MIN_GUEST_MIB = 16;
const MAX_GUEST_MIB = 256;

export type MemoryBudget = Pick<RuntimeOptions, 'poolSize' | 'maxPoolSize'> & { defaults: { memoryMiB: number } };

/**
 * Runtime settings for a host that should stay within `maxMemoryMb` (a Raspberry Pi, a small VM).
 * Throws RangeError for a value that is not a positive integer.
 *
 * @example
 *   memoryBudget(128, 4) // { poolSize: 1, maxPoolSize: 2, defaults: { memoryMiB: 16 } }
 */
export function memoryBudget(maxMemoryMb: number, cpus = availableParallelism()): MemoryBudget {
  if (!Number.isInteger(maxMemoryMb) || maxMemoryMb <= 0) throw new RangeError(`max memory must be a positive number of MB, got ${maxMemoryMb}`);
  const headroom = Math.max(0, maxMemoryMb - HOST_BASE_MB);
  const poolSize = clamp(Math.floor(headroom / 4 / WORKER_MB), 1, Math.max(1, cpus));
  const maxPoolSize = clamp(Math.floor(headroom / 2 / WORKER_MB), poolSize, 4 * Math.max(1, cpus));
  const memoryMiB = clamp(Math.floor(headroom / 4), MIN_GUEST_MIB, MAX_GUEST_MIB);
  return { poolSize, maxPoolSize, defaults: { memoryMiB } };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
