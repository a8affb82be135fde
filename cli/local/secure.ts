/**
 * The credentials and server configuration of `lattice up --secure`: nkey users for the host, the
 * CLI and provider processes (lib/nats-auth.ts), kept in `<data dir>/secure/` (seeds mode 0600)
 * and reused on the next `up`, so contexts and running hosts stay valid.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { writeFileAtomic } from '../../lib/home.js';
import { authorizationConfig, type Role } from '../../lib/nats-auth.js';

export interface SecureSetup {
  dir: string;
  serverConfig: string;
  seeds: Record<Role, string>;
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

export async function secureSetup(root: string, lattice: string, listen: { host: string; port: string }, storeDir: string): Promise<SecureSetup> {
  const dir = join(root, 'secure');
  const seeds = {
    host: await seedFile(join(dir, 'host.nk')),
    cli: await seedFile(join(dir, 'cli.nk')),
    provider: await seedFile(join(dir, 'provider.nk')),
  };
  const serverConfig = join(dir, 'nats-server.conf');
  const users = (['host', 'cli', 'provider'] as const).map((role) => ({ nkey: publicKey(seeds[role]), role, comment: `${role} (${seeds[role]})` }));
  await writeFileAtomic(
    serverConfig,
    [
      `# written by lattice up --secure for lattice "${lattice}"; see docs/security.md`,
      `listen: ${listen.host}:${listen.port}`,
      'jetstream {',
      `  store_dir: ${JSON.stringify(storeDir)}`,
      '}',
      authorizationConfig(users, lattice),
    ].join('\n'),
    0o600,
  );
  return { dir, serverConfig, seeds };
}
