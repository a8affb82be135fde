/**
 * Registry credentials, first match wins:
 *  1. `LATTICE_REGISTRY_USER` / `LATTICE_REGISTRY_PASSWORD` (for every registry; scoped with
 *     `LATTICE_REGISTRY` when set), as CI systems inject them;
 *  2. `lattice registry login` entries in `<lattice home>/registries.json` (mode 0600);
 *  3. docker's `config.json` (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`):
 *     `auths.<registry>.auth` (base64 `user:password`) or `username`/`password`. Credential
 *     helpers (`credsStore`, `credHelpers`) are programs this process does not run.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { latticeHome, writeFileAtomic } from '../home.js';

export interface RegistryCredentials {
  username: string;
  password: string;
  /** Where they came from, for error messages (never the secret itself). */
  source: string;
}

export type CredentialResolver = (registry: string) => Promise<RegistryCredentials | null>;

const AuthEntry = z.looseObject({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
});
const AuthFile = z.looseObject({ auths: z.record(z.string(), AuthEntry).default({}) });
type AuthFile = z.infer<typeof AuthFile>;

export function loginsPath(home = latticeHome()): string {
  return join(home, 'registries.json');
}

/** docker keys Docker Hub as its v1 URL; other registries by host (sometimes with a scheme). */
function candidates(registry: string): string[] {
  const hub = registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io';
  return hub ? ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io'] : [registry, `https://${registry}`, `http://${registry}`];
}

function fromEntry(entry: z.infer<typeof AuthEntry>, source: string): RegistryCredentials | null {
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password, source };
  if (!entry.auth) return null;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
}

async function readAuthFile(path: string): Promise<AuthFile | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const parsed = AuthFile.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // a damaged file is treated as absent; the registry's 401 then says what is missing
  }
}

async function fromFile(path: string, registry: string, source: string): Promise<RegistryCredentials | null> {
  const file = await readAuthFile(path);
  if (!file) return null;
  for (const key of candidates(registry)) {
    const entry = file.auths[key];
    if (entry) {
      const creds = fromEntry(entry, source);
      if (creds) return creds;
    }
  }
  return null;
}

export interface ResolverOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
}

export function defaultCredentials(options: ResolverOptions = {}): CredentialResolver {
  const env = options.env ?? process.env;
  return async (registry) => {
    const user = env.LATTICE_REGISTRY_USER;
    const password = env.LATTICE_REGISTRY_PASSWORD;
    if (user && password !== undefined && (!env.LATTICE_REGISTRY || env.LATTICE_REGISTRY === registry)) {
      return { username: user, password, source: 'LATTICE_REGISTRY_USER/LATTICE_REGISTRY_PASSWORD' };
    }
    const logins = loginsPath(options.home ?? latticeHome(env));
    const own = await fromFile(logins, registry, logins);
    if (own) return own;
    const docker = join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
    return fromFile(docker, registry, docker);
  };
}

/** Stores (or with `null`, removes) a login in `<home>/registries.json`, docker's format. */
export async function saveLogin(registry: string, creds: { username: string; password: string } | null, home = latticeHome()): Promise<void> {
  const path = loginsPath(home);
  const file = (await readAuthFile(path)) ?? { auths: {} };
  if (creds) file.auths[registry] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
  else delete file.auths[registry];
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
}

export async function listLogins(home = latticeHome()): Promise<string[]> {
  return Object.keys((await readAuthFile(loginsPath(home)))?.auths ?? {}).sort();
}
