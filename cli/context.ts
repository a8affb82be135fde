import type { Command } from 'commander';
import type { OutputFormat } from './output.js';
import type { NatsConnection } from 'nats';
import { createControlClient, type ControlClient } from '../protocol/mod.js';
import { CliError, UsageError } from './errors.js';
import { DEFAULT_LATTICE, DEFAULT_NATS_URL, connectOnce, type NatsSettings } from '../lib/nats-connection.js';
import { ContextError, selectedContext, type CliContext } from './contexts.js';

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  natsUrl?: string;
  lattice?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsNkey?: string;
  natsCreds?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  output?: OutputFormat;
  verbose?: boolean;
  timeout?: string;
  /** `--context NAME`: the CLI context to use instead of the current one. */
  context?: string;
}

export { CliError, UsageError } from './errors.js';

/** What to do when no NATS answers: said by every command that connects. */
export const NATS_FIX = 'start one with `lattice up`, or point --nats-url / NATS_URL at yours';

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** The selected CLI context's values (cli/contexts.ts); empty when none is selected. */
export function contextValues(opts: GlobalOptions): CliContext {
  try {
    return selectedContext(opts.context)?.context ?? {};
  } catch (error) {
    if (error instanceof ContextError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}

export function latticeName(opts: GlobalOptions): string {
  return opts.lattice ?? process.env.LATTICE ?? contextValues(opts).lattice ?? DEFAULT_LATTICE;
}

/** Flags, then the environment, then the selected context, then the defaults; field by field. */
export function natsSettings(opts: GlobalOptions): NatsSettings {
  const env = process.env;
  const ctx = contextValues(opts);
  return {
    url: opts.natsUrl ?? env.NATS_URL ?? ctx.nats_url ?? DEFAULT_NATS_URL,
    user: opts.natsUser ?? env.NATS_USER ?? ctx.nats_user,
    password: opts.natsPassword ?? env.NATS_PASSWORD ?? ctx.nats_password,
    token: opts.natsToken ?? env.NATS_TOKEN ?? ctx.nats_token,
    nkeySeed: opts.natsNkey ?? env.NATS_NKEY ?? ctx.nats_nkey,
    credsFile: opts.natsCreds ?? env.NATS_CREDS ?? ctx.nats_creds,
    tlsCa: opts.tlsCa ?? env.NATS_TLS_CA ?? ctx.tls_ca,
    tlsCert: opts.tlsCert ?? env.NATS_TLS_CERT ?? ctx.tls_cert,
    tlsKey: opts.tlsKey ?? env.NATS_TLS_KEY ?? ctx.tls_key,
  };
}

export function timeoutMs(opts: GlobalOptions): number | undefined {
  if (opts.timeout === undefined) return undefined;
  const value = Number(opts.timeout);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--timeout must be a positive number of milliseconds, got "${opts.timeout}"`);
  return value;
}

/** Connects, runs `fn` with a control client, and always closes the connection. */
export async function withLattice<T>(
  command: Command,
  fn: (ctx: { nc: NatsConnection; ctl: ControlClient; lattice: string; opts: GlobalOptions }) => Promise<T>,
): Promise<T> {
  const opts = globalOptions(command);
  const settings = natsSettings(opts);
  const lattice = latticeName(opts);
  let nc: NatsConnection;
  try {
    nc = await connectOnce(settings, 'lattice-cli');
  } catch (cause) {
    throw new CliError(`cannot connect to NATS at ${settings.url}: ${(cause as Error).message} (${NATS_FIX})`, { cause });
  }
  try {
    const ctl = createControlClient(nc, lattice, { timeoutMs: timeoutMs(opts) });
    return await fn({ nc, ctl, lattice, opts });
  } finally {
    await nc.close();
  }
}
