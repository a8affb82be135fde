import type { Command } from 'commander';
import type { OutputFormat } from './output.js';
import type { NatsConnection } from 'nats';
import { createControlClient, type ControlClient } from '../protocol/mod.js';
import { CliError, UsageError } from './errors.js';
import { DEFAULT_LATTICE, connectOnce, natsSettingsFromEnv, type NatsSettings } from '../lib/nats-connection.js';

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
}

export { CliError, UsageError } from './errors.js';

/** What to do when no NATS answers: said by every command that connects. */
export const NATS_FIX = 'start one with `lattice up`, or point --nats-url / NATS_URL at yours';

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function latticeName(opts: GlobalOptions): string {
  return opts.lattice ?? process.env.LATTICE ?? DEFAULT_LATTICE;
}

export function natsSettings(opts: GlobalOptions): NatsSettings {
  const env = natsSettingsFromEnv();
  return {
    url: opts.natsUrl ?? env.url,
    user: opts.natsUser ?? env.user,
    password: opts.natsPassword ?? env.password,
    token: opts.natsToken ?? env.token,
    nkeySeed: opts.natsNkey ?? env.nkeySeed,
    credsFile: opts.natsCreds ?? env.credsFile,
    tlsCa: opts.tlsCa ?? env.tlsCa,
    tlsCert: opts.tlsCert ?? env.tlsCert,
    tlsKey: opts.tlsKey ?? env.tlsKey,
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
