/**
 * CLI contexts, like wash's: named sets of NATS URL, lattice name and credentials kept in
 * `<lattice home>/contexts.json` (mode 0600: it may hold passwords or seeds). A command uses, in
 * order: its flags, the environment, the selected context (`--context`, `LATTICE_CONTEXT`, else
 * the current one), then the defaults.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { latticeHome, writeFileAtomic } from '../lib/home.js';

export const CliContext = z.strictObject({
  nats_url: z.string().optional(),
  lattice: z.string().optional(),
  nats_user: z.string().optional(),
  nats_password: z.string().optional(),
  nats_token: z.string().optional(),
  nats_nkey: z.string().optional(),
  nats_creds: z.string().optional(),
  tls_ca: z.string().optional(),
  tls_cert: z.string().optional(),
  tls_key: z.string().optional(),
});
export type CliContext = z.infer<typeof CliContext>;

const ContextsFile = z.object({
  current: z.string().optional(),
  contexts: z.record(z.string(), CliContext).default({}),
});
export type ContextsFile = z.infer<typeof ContextsFile>;

export const CONTEXT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export class ContextError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContextError';
  }
}

export function contextsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(latticeHome(env), 'contexts.json');
}

export function readContexts(env: NodeJS.ProcessEnv = process.env): ContextsFile {
  const path = contextsPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { contexts: {} };
  }
  try {
    const parsed = ContextsFile.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    throw new Error(parsed.error.issues[0]?.message ?? 'invalid');
  } catch (cause) {
    throw new ContextError(`${path} is damaged (${(cause as Error).message}); fix or remove it`, { cause });
  }
}

export async function writeContexts(file: ContextsFile, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await writeFileAtomic(contextsPath(env), `${JSON.stringify(file, null, 2)}\n`, 0o600);
}

/** The context a command runs in: the named one (which must exist), else the current one, else none. */
export function selectedContext(name: string | undefined, env: NodeJS.ProcessEnv = process.env): { name: string; context: CliContext } | null {
  const wanted = name ?? (env.LATTICE_CONTEXT || undefined);
  const file = readContexts(env);
  const chosen = wanted ?? file.current;
  if (chosen === undefined) return null;
  const context = file.contexts[chosen];
  if (!context) {
    if (wanted !== undefined) {
      const from = name !== undefined ? '--context' : 'LATTICE_CONTEXT';
      throw new ContextError(
        `no context named "${chosen}" (from ${from}; known: ${Object.keys(file.contexts).sort().join(', ') || 'none'}; \`lattice ctx list\` shows them)`,
      );
    }
    return null; // a current context that was deleted by hand: no context
  }
  return { name: chosen, context };
}
