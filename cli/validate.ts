import type { z } from 'zod';
import { formatIssue, UsageError } from './errors.js';

/**
 * Where a request field comes from on the command line, and how to give it right: the first
 * path segment of a zod issue (`interfaces`) -> `--interface (several: a,b or repeat it)`.
 */
export type ArgumentNames = Record<string, string>;

/**
 * Checks a request built from the arguments against its protocol schema before anything is sent,
 * so the user reads one line naming the argument, its value and the fix instead of zod's issues.
 *
 * @example
 *   checkArguments(Link, def, { interfaces: '--interface' });
 *   // interfaces[0]: "Store" must be a lower-case WIT identifier (letters, digits, "-"); fix --interface
 */
export function checkArguments<S extends z.ZodType>(schema: S, value: unknown, names: ArgumentNames): z.output<S> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const [first, ...rest] = parsed.error.issues;
  const field = first?.path[0];
  const arg = typeof field === 'string' ? names[field] : undefined;
  const more = rest.length ? ` (and ${rest.length} more: --verbose)` : '';
  throw new UsageError(`${first ? formatIssue(first) : 'invalid arguments'}${arg ? `; fix ${arg}` : ''}${more}`, {
    cause: parsed.error,
    detail: parsed.error.issues.map(formatIssue),
  });
}
