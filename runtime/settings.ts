import { InvalidSettingError } from './errors.js';

/**
 * Annotations the runtime reads from a scale request. Values are strings (annotations are a
 * string map on the wire); an unknown `lattice.dev/` runtime key is an error, not ignored.
 */
export const Annotation = {
  /** `"true"`: keep one instance across invocations instead of a fresh one per invocation. */
  InstanceReuse: 'lattice.dev/instance-reuse',
  /** Per-invocation deadline in milliseconds (default 10000). */
  DeadlineMs: 'lattice.dev/deadline-ms',
  /** Linear memory cap per instance in MiB (default 256). */
  MemoryMiB: 'lattice.dev/memory-mib',
  /** Invocations that may wait when max_instances are running (default 1000). */
  QueueLimit: 'lattice.dev/queue-limit',
  /** Largest HTTP response body a component may produce, in MiB (default 32). */
  MaxResponseMiB: 'lattice.dev/max-response-mib',
} as const;

export interface ComponentLimits {
  reuse: boolean;
  deadlineMs: number;
  memoryMiB: number;
  queueLimit: number;
  maxResponseBytes: number;
}

export const DEFAULT_LIMITS: ComponentLimits = {
  reuse: false,
  deadlineMs: 10_000,
  memoryMiB: 256,
  queueLimit: 1000,
  maxResponseBytes: 32 * 2 ** 20,
};

const KNOWN: ReadonlySet<string> = new Set(Object.values(Annotation));

function integer(annotations: Record<string, string>, key: string, min: number, max: number): number | undefined {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidSettingError(`annotation ${key}="${raw}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Reads the runtime limits out of the annotations, over `base` (the runtime's defaults). */
export function limitsFrom(annotations: Record<string, string>, base: ComponentLimits = DEFAULT_LIMITS): ComponentLimits {
  for (const key of Object.keys(annotations)) {
    if (key.startsWith('lattice.dev/') && !KNOWN.has(key) && isRuntimeKey(key)) {
      throw new InvalidSettingError(`unknown runtime annotation ${key}; known: ${[...KNOWN].join(', ')}`);
    }
  }
  const reuseRaw = annotations[Annotation.InstanceReuse];
  if (reuseRaw !== undefined && reuseRaw !== 'true' && reuseRaw !== 'false') {
    throw new InvalidSettingError(`annotation ${Annotation.InstanceReuse}="${reuseRaw}" must be "true" or "false"`);
  }
  const maxResponseMiB = integer(annotations, Annotation.MaxResponseMiB, 1, 1024);
  return {
    reuse: reuseRaw === undefined ? base.reuse : reuseRaw === 'true',
    deadlineMs: integer(annotations, Annotation.DeadlineMs, 1, 3_600_000) ?? base.deadlineMs,
    memoryMiB: integer(annotations, Annotation.MemoryMiB, 1, 4096) ?? base.memoryMiB,
    queueLimit: integer(annotations, Annotation.QueueLimit, 0, 1_000_000) ?? base.queueLimit,
    maxResponseBytes: maxResponseMiB === undefined ? base.maxResponseBytes : maxResponseMiB * 2 ** 20,
  };
}

/** Other parts of lattice may use `lattice.dev/` annotations too; only these prefixes are ours. */
function isRuntimeKey(key: string): boolean {
  return /^lattice\.dev\/(instance|deadline|memory|queue|max-response)/.test(key);
}
