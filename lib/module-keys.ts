/**
 * Module keys (`M...` public, `SM...` seed): the identity a signed component carries as its JWT
 * subject. @nats-io/nkeys knows the NATS prefixes only, so this encodes the wascap one with the
 * same nkey codec: base32 (RFC 4648, no padding) of prefix byte(s) + 32 bytes + CRC-16/XMODEM
 * (little-endian). Ed25519 itself comes from node:crypto.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

/** nkey prefix byte of module keys: 12 << 3, which base32-encodes to 'M'. */
const MODULE_PREFIX = 12 << 3;
const SEED_PREFIX = 18 << 3;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

export class ModuleKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleKeyError';
  }
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new ModuleKeyError(`not an nkey: '${char}' is not base32`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

function encode(prefix: number[], payload: Uint8Array): string {
  const raw = Uint8Array.from([...prefix, ...payload, 0, 0]);
  const sum = crc16(raw.subarray(0, raw.length - 2));
  raw[raw.length - 2] = sum & 0xff;
  raw[raw.length - 1] = sum >> 8;
  return base32(raw);
}

function decode(text: string): Uint8Array {
  const raw = unbase32(text.trim());
  if (raw.length < 4) throw new ModuleKeyError('not an nkey: too short');
  const sum = raw[raw.length - 2]! | (raw[raw.length - 1]! << 8);
  if (crc16(raw.subarray(0, raw.length - 2)) !== sum) throw new ModuleKeyError('not an nkey: bad checksum');
  return raw.subarray(0, raw.length - 2);
}

function publicFromSeed(seed: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

export interface ModuleKey {
  publicKey: string;
  /** `SM...`; absent when only the public key is known. */
  seed?: string;
}

/** A new module key pair. */
export function createModuleKey(): Required<ModuleKey> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  return {
    publicKey: encode([MODULE_PREFIX], publicFromSeed(seed)),
    seed: encode([SEED_PREFIX | (MODULE_PREFIX >> 5), (MODULE_PREFIX & 31) << 3], seed),
  };
}

/** Reads a module public key (`M...`) or seed (`SM...`), checking prefix and checksum. */
export function parseModuleKey(text: string): ModuleKey {
  const value = text.trim();
  const raw = decode(value);
  if (value.startsWith('SM')) {
    if (raw.length !== 34) throw new ModuleKeyError('module seed has the wrong length');
    return { publicKey: encode([MODULE_PREFIX], publicFromSeed(raw.subarray(2))), seed: value };
  }
  if (raw[0] !== MODULE_PREFIX || raw.length !== 33) throw new ModuleKeyError(`not a module key (M...): ${value.slice(0, 4)}...`);
  return { publicKey: value };
}
