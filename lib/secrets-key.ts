import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The lattice secrets key: 32 bytes (AES-256) that encrypt every secret at rest in the lattice's
 * KV bucket. Whoever holds it (hosts, provider processes, the CLI putting a secret) can read the
 * secrets; NATS and JetStream only ever see ciphertext. Where it comes from, first match wins:
 *   LATTICE_SECRETS_KEY       base64 (44 characters) or hex (64 characters)
 *   LATTICE_SECRETS_KEY_FILE  a file holding the same
 *   ~/.lattice/secrets.key    (LATTICE_DATA_DIR/secrets.key), which `lattice secret put` creates
 *                             on first use, so a local lattice needs no set-up
 * Hosts on other machines need the same key (docs/providers.md, "Secrets").
 */
export const SECRETS_KEY_ENV = 'LATTICE_SECRETS_KEY';
export const SECRETS_KEY_FILE_ENV = 'LATTICE_SECRETS_KEY_FILE';
const KEY_BYTES = 32;

export class SecretsKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretsKeyError';
  }
}

/** The default key file: next to the local lattice's data (`lattice up`). */
export function defaultSecretsKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.LATTICE_DATA_DIR ?? join(homedir(), '.lattice'), 'secrets.key');
}

/** Parses a key written as base64 or hex; throws SecretsKeyError naming where it came from. */
export function parseSecretsKey(text: string, from: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretsKeyError(`the secrets key in ${from} is not ${KEY_BYTES} bytes (base64 or hex); make one with \`lattice secret keygen\``);
  }
  return key;
}

/** The configured key, or null when none is configured (secrets then cannot be read). */
export async function loadSecretsKey(env: NodeJS.ProcessEnv = process.env): Promise<Buffer | null> {
  const inline = env[SECRETS_KEY_ENV];
  if (inline) return parseSecretsKey(inline, SECRETS_KEY_ENV);
  const explicit = env[SECRETS_KEY_FILE_ENV];
  const file = explicit || defaultSecretsKeyFile(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if (!explicit && (cause as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SecretsKeyError(`cannot read the secrets key file ${file}: ${(cause as Error).message}`, { cause });
  }
  return parseSecretsKey(text, file);
}

/** A new random key, base64. */
export function generateSecretsKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * The configured key, or a new one written to the default key file (mode 0600) when none is
 * configured: what `lattice secret put` does on a machine that has never stored a secret.
 */
export async function loadOrCreateSecretsKey(env: NodeJS.ProcessEnv = process.env): Promise<{ key: Buffer; created: string | null }> {
  const existing = await loadSecretsKey(env);
  if (existing) return { key: existing, created: null };
  const file = defaultSecretsKeyFile(env);
  const text = generateSecretsKey();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // 'wx': two first-time writers must not replace each other's key.
  try {
    await writeFile(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: parseSecretsKey(await readFile(file, 'utf8'), file), created: null };
  }
  return { key: parseSecretsKey(text, file), created: file };
}
