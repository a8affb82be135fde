import { existsSync, readFileSync } from 'node:fs';
import { fromSeed, type KeyPair } from '@nats-io/nkeys';
import { CliError, UsageError } from './context.js';

/** How to make a key of each seed prefix. */
const KEY_FIX: Record<string, string> = { SA: '`lattice keys gen account` makes one', SM: '`lattice keys gen module` makes one' };

/** A seed given inline (`S...`) or as a file holding one; the seed must be of `prefix` (e.g. `SA`). */
export function readSeedArg(value: string, prefix: string, what: string): string {
  const inline = value.trim();
  const seed = /^S[A-Z]/.test(inline) && !existsSync(inline) ? inline : readKeyFile(value, what);
  if (!seed.startsWith(prefix))
    throw new UsageError(`${what} must be a seed starting with ${prefix} (got ${seed.slice(0, 2)}...)${KEY_FIX[prefix] ? `; ${KEY_FIX[prefix]}` : ''}`);
  return seed;
}

function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (cause) {
    throw new CliError(`${what}: ${path} is neither a seed nor a readable file`, { cause });
  }
}

export function keyPairFromSeed(seed: string, what: string): KeyPair {
  try {
    return fromSeed(new TextEncoder().encode(seed));
  } catch (cause) {
    throw new UsageError(`${what} is not a valid nkey seed: ${(cause as Error).message} (\`lattice keys gen KIND\` makes one)`, { cause });
  }
}
