/**
 * The credentials and server configuration of `lattice up --secure`: nkey users for hosts, the
 * CLI and provider processes (lib/nats-auth.ts), kept in `<data dir>/secure/` (seeds mode 0600)
 * and reused on the next `up`, so contexts and running hosts stay valid. Each further host gets
 * its own user (`lattice secure add-host`), so one host's credential is revoked alone.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { z } from 'zod';
import { writeFileAtomic } from '../../lib/home.js';
import { authorizationConfig, type Role } from '../../lib/nats-auth.js';

export interface SecureSetup {
  dir: string;
  serverConfig: string;
  seeds: Record<Role, string>;
}

/** What the server configuration is made from, kept so that adding a host can rewrite it. */
const Settings = z.object({ lattice: z.string(), host: z.string(), port: z.string(), storeDir: z.string() });
type Settings = z.infer<typeof Settings>;

export const HOST_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export class SecureSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecureSetupError';
  }
}

async function seedFile(path: string): Promise<string> {
  if (existsSync(path)) return path;
  const seed = new TextDecoder().decode(createUser().getSeed());
  await writeFileAtomic(path, `${seed}\n`, 0o600);
  return path;
}

function publicKey(path: string): string {
  return fromSeed(new TextEncoder().encode(readFileSync(path, 'utf8').trim())).getPublicKey();
}

const secureDir = (root: string) => join(root, 'secure');
const hostsDir = (root: string) => join(secureDir(root), 'hosts');

/** Names of the extra host users. */
export function hostUsers(root: string): string[] {
  if (!existsSync(hostsDir(root))) return [];
  return readdirSync(hostsDir(root))
    .filter((f) => f.endsWith('.nk'))
    .map((f) => basename(f, '.nk'))
    .sort();
}

async function writeConfig(root: string, settings: Settings): Promise<SecureSetup> {
  const dir = secureDir(root);
  const seeds = {
    host: await seedFile(join(dir, 'host.nk')),
    cli: await seedFile(join(dir, 'cli.nk')),
    provider: await seedFile(join(dir, 'provider.nk')),
  };
  const users = (['host', 'cli', 'provider'] as const).map((role) => ({ nkey: publicKey(seeds[role]), role, comment: `${role} (${seeds[role]})` }));
  for (const name of hostUsers(root)) {
    const path = join(hostsDir(root), `${name}.nk`);
    users.push({ nkey: publicKey(path), role: 'host', comment: `host ${name} (${path})` });
  }
  const serverConfig = join(dir, 'nats-server.conf');
  await writeFileAtomic(join(dir, 'settings.json'), `${JSON.stringify(settings)}\n`, 0o600);
  await writeFileAtomic(
    serverConfig,
    [
      `# written by lattice up --secure for lattice "${settings.lattice}"; see docs/security.md`,
      `listen: ${settings.host}:${settings.port}`,
      'jetstream {',
      `  store_dir: ${JSON.stringify(settings.storeDir)}`,
      '}',
      authorizationConfig(users, settings.lattice),
    ].join('\n'),
    0o600,
  );
  return { dir, serverConfig, seeds };
}

export function secureSetup(root: string, lattice: string, listen: { host: string; port: string }, storeDir: string): Promise<SecureSetup> {
  return writeConfig(root, { lattice, host: listen.host, port: listen.port, storeDir });
}

function savedSettings(root: string): Settings {
  const path = join(secureDir(root), 'settings.json');
  try {
    return Settings.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    throw new SecureSetupError(`no secured lattice in ${root} (run lattice up --secure first)`);
  }
}

/** A new host user; returns its seed file. The server configuration is rewritten. */
export async function addHostUser(root: string, name: string): Promise<string> {
  if (!HOST_NAME.test(name)) throw new SecureSetupError(`host name "${name}" may contain only letters, digits, '-' and '_'`);
  const settings = savedSettings(root);
  const path = join(hostsDir(root), `${name}.nk`);
  if (existsSync(path))
    throw new SecureSetupError(`host user ${name} exists (${path}); \`lattice secure remove-host ${name}\` revokes it, or choose another name`);
  await seedFile(path);
  await writeConfig(root, settings);
  return path;
}

/** Removes a host user; the server configuration is rewritten without it. */
export async function removeHostUser(root: string, name: string): Promise<void> {
  const settings = savedSettings(root);
  const path = join(hostsDir(root), `${name}.nk`);
  if (!existsSync(path)) throw new SecureSetupError(`no host user ${name} (known: ${hostUsers(root).join(', ') || 'none'})`);
  await rm(path);
  await writeConfig(root, settings);
}
