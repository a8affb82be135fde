import type { z } from 'zod';
import { describeIssues, fail, type CtlEnvelope } from '../../protocol/mod.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reply: CtlEnvelope };

/** Validates a request body; the failure reply names the operation and every problem found. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown, op: string): Parsed<z.infer<S>> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reply: fail(`invalid ${op} request: ${describeIssues(result.error)}`) };
}
