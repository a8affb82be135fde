import { z } from 'zod';

/**
 * Every control-interface reply: `{ success, message, response }`, as wasmCloud 1.x. `success:
 * false` is an application answer (bad request, refused operation), distinct from transport
 * failures, which the client raises as typed errors.
 */
export const CtlEnvelope = z.object({
  success: z.boolean(),
  message: z.string().default(''),
  response: z.unknown().optional(),
});
export type CtlEnvelope = z.infer<typeof CtlEnvelope>;

export function ok(response?: unknown, message = ''): CtlEnvelope {
  return response === undefined ? { success: true, message } : { success: true, message, response };
}

export function fail(message: string): CtlEnvelope {
  return { success: false, message };
}

/** Formats zod issues as `path: message; path: message` so a reply names every problem. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
