/**
 * The host's capacity as its heartbeats report it (protocol/schemas/host.ts, `HostCapacity`).
 * Cheap enough for every beat: a few system calls, no file reads beyond what Node caches.
 */
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import type { HostCapacity } from '../protocol/mod.js';

/** Node 22+ reads the cgroup's free memory; absent on Node 20. */
const availableMemory = (process as { availableMemory?: () => number }).availableMemory;

export function measureCapacity(): HostCapacity {
  // A container's memory limit, where there is one below the machine's memory (0 or absent: none).
  const constrained = process.constrainedMemory?.() ?? 0;
  const total = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  const free = Math.min(total, availableMemory?.() ?? freemem());
  return {
    cpus: availableParallelism(),
    memory_total_bytes: total,
    memory_free_bytes: free,
    load1: Math.max(0, Math.round(loadavg()[0]! * 100) / 100),
  };
}
