import { randomInt } from 'node:crypto';
import { createServer, fromSeed } from '@nats-io/nkeys';
import { LATTICE_VERSION } from '../lib/version.js';

/** Who a host is. The id never changes while the process lives; a restart is a new host. */
export interface HostIdentity {
  /** nkey server public key (56 characters, starts with `N`), as wasmCloud host ids. */
  readonly id: string;
  /** The key's seed; kept so later features (signed invocations, JWTs) can sign as this host. */
  readonly seed: Uint8Array;
  /** Human-friendly name for tables and logs; not unique, never used for addressing. */
  readonly friendlyName: string;
  readonly version: string;
  readonly startedAt: Date;
}

export interface IdentityOptions {
  /** Friendly name; generated (`adjective-noun-NNNN`) when absent. */
  name?: string;
  /** Reuse a server nkey seed (`SN...`) instead of generating one. */
  seed?: Uint8Array | string;
}

const ADJECTIVES = [
  'amber',
  'bold',
  'brisk',
  'calm',
  'clever',
  'crimson',
  'dusty',
  'eager',
  'fancy',
  'gentle',
  'golden',
  'hidden',
  'icy',
  'jolly',
  'keen',
  'lively',
  'lucky',
  'mellow',
  'misty',
  'nimble',
  'noble',
  'odd',
  'polished',
  'proud',
  'quiet',
  'rapid',
  'rusty',
  'silent',
  'sunny',
  'swift',
  'tidy',
  'vivid',
  'wild',
  'witty',
  'young',
  'zesty',
];
const NOUNS = [
  'badger',
  'brook',
  'canyon',
  'cedar',
  'comet',
  'delta',
  'ember',
  'falcon',
  'fjord',
  'forest',
  'glacier',
  'harbor',
  'heron',
  'island',
  'lagoon',
  'lynx',
  'meadow',
  'mesa',
  'moon',
  'otter',
  'pebble',
  'pine',
  'prairie',
  'quartz',
  'raven',
  'reef',
  'river',
  'sparrow',
  'summit',
  'tundra',
  'valley',
  'willow',
  'wolf',
  'yak',
  'zephyr',
];

function pick<T>(list: readonly T[]): T {
  return list[randomInt(list.length)] as T;
}

/** `adjective-noun-NNNN`, like wasmCloud's generated host names. */
export function generateFriendlyName(): string {
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${String(randomInt(10_000)).padStart(4, '0')}`;
}

export function createIdentity(options: IdentityOptions = {}): HostIdentity {
  const pair = options.seed === undefined ? createServer() : fromSeed(typeof options.seed === 'string' ? new TextEncoder().encode(options.seed) : options.seed);
  const id = pair.getPublicKey();
  if (!id.startsWith('N')) throw new TypeError('host seed must be a server nkey seed (SN...)');
  const name = options.name?.trim();
  return {
    id,
    seed: pair.getSeed(),
    friendlyName: name ? name : generateFriendlyName(),
    version: LATTICE_VERSION,
    startedAt: new Date(),
  };
}
