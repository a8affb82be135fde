import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type Authenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import type { Logger } from './logger.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_LATTICE = 'default';

/** How to reach NATS. Every CLI command, the host and wadm take the same settings. */
export interface NatsSettings {
  url: string;
  user?: string;
  password?: string;
  token?: string;
  /** Path to a file holding an nkey seed (SU...), or the seed itself. */
  nkeySeed?: string;
  /** Path to a `.creds` file (JWT + seed). */
  credsFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** Settings from the environment; flags override these field by field. */
export function natsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): NatsSettings {
  return {
    url: env.NATS_URL ?? DEFAULT_NATS_URL,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    token: env.NATS_TOKEN,
    nkeySeed: env.NATS_NKEY,
    credsFile: env.NATS_CREDS,
    tlsCa: env.NATS_TLS_CA,
    tlsCert: env.NATS_TLS_CERT,
    tlsKey: env.NATS_TLS_KEY,
  };
}

function readSeed(value: string): Uint8Array {
  const seed = value.trim().startsWith('S') ? value.trim() : readFileSync(value, 'utf8').trim();
  return new TextEncoder().encode(seed);
}

export function connectionOptions(settings: NatsSettings, name: string): ConnectionOptions {
  const authenticators: Authenticator[] = [];
  if (settings.nkeySeed) authenticators.push(nkeyAuthenticator(readSeed(settings.nkeySeed)));
  if (settings.credsFile) authenticators.push(credsAuthenticator(readFileSync(settings.credsFile)));
  const tls = settings.tlsCa || settings.tlsCert ? { caFile: settings.tlsCa, certFile: settings.tlsCert, keyFile: settings.tlsKey } : undefined;
  return {
    servers: settings.url.split(',').map((s) => s.trim()),
    name,
    user: settings.user,
    pass: settings.password,
    token: settings.token,
    authenticator: authenticators.length ? authenticators : undefined,
    tls,
  };
}

/**
 * Connects for a long-lived process (host, wadm, provider): reconnects forever, with a capped
 * backoff between attempts, and logs every status change so an operator sees outages.
 */
export async function connectLongLived(settings: NatsSettings, name: string, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    ...connectionOptions(settings, name),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 250,
    waitOnFirstConnect: false,
    pingInterval: 5_000,
    maxPingOut: 2,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'pingTimer') continue;
      log.info({ nats: status.type, data: String(status.data ?? '') }, 'nats connection status');
    }
  })();
  return nc;
}

/** Connects for a short command (CLI): fails at once when NATS is not there. */
export async function connectOnce(settings: NatsSettings, name: string): Promise<NatsConnection> {
  return connect({ ...connectionOptions(settings, name), maxReconnectAttempts: 0, timeout: 3_000 });
}

/** The inverse of natsSettingsFromEnv: how a child process (a provider) gets the same settings. */
export function natsSettingsToEnv(settings: NatsSettings): Record<string, string> {
  const env: Record<string, string> = { NATS_URL: settings.url };
  const pairs: Array<[string, string | undefined]> = [
    ['NATS_USER', settings.user],
    ['NATS_PASSWORD', settings.password],
    ['NATS_TOKEN', settings.token],
    ['NATS_NKEY', settings.nkeySeed],
    ['NATS_CREDS', settings.credsFile],
    ['NATS_TLS_CA', settings.tlsCa],
    ['NATS_TLS_CERT', settings.tlsCert],
    ['NATS_TLS_KEY', settings.tlsKey],
  ];
  for (const [key, value] of pairs) if (value !== undefined) env[key] = value;
  return env;
}
