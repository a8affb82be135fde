/**
 * wasmCloud's signed-component format (wascap): an Ed25519-signed JWT embedded in a custom section
 * `wasmcloud_jwt` (older tools wrote `jwt`) of a component or core module. Reading, verifying and
 * writing it lives here only, so `lattice claims`, the host's trust check and any inspector agree.
 *
 * Facts of the format this module relies on (docs/security.md, "Signed components"):
 * - JWT header `{"typ":"jwt","alg":"Ed25519"}`; segments base64url without padding; the signature
 *   is over `<header>.<claims>` by the issuer's nkey (an account key, `A...`).
 * - claims: `jti`, `iat`, `iss` (issuer), `sub` (the component's module key, `M...`), optional
 *   `exp`/`nbf` (seconds), `wascap` {name, hash, tags, caps, rev, ver, call_alias, prov},
 *   `wascap_revision` (3 today).
 * - `wascap.hash` is the upper-case hex SHA-256 of the binary with every `jwt`/`wasmcloud_jwt`
 *   custom section removed at every nesting depth, each section (and each nested module or
 *   component, rebuilt the same way) re-encoded with its size as minimal LEB128. Revisions below 3
 *   hashed differently; their hash is not comparable.
 * - Only a section at the top level of the binary is the component's own claims.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fromPublic, type KeyPair } from '@nats-io/nkeys';
import { z } from 'zod';
import { concatBytes } from './bytes.js';
import { writeU32 } from './leb128.js';

export const CLAIMS_SECTION = 'wasmcloud_jwt';
export const LEGACY_CLAIMS_SECTION = 'jwt';
/** The revision written into new claims, and the first whose module hash is verifiable. */
export const WASCAP_REVISION = 3;
const HEADER = { typ: 'jwt', alg: 'Ed25519' } as const;
const MAGIC = [0x00, 0x61, 0x73, 0x6d];
/** Section ids of a component that hold a whole nested core module or component. */
const NESTED_MODULE = 1;
const NESTED_COMPONENT = 4;

export class WascapError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WascapError';
  }
}

export const ComponentMetadata = z.looseObject({
  name: z.string().optional(),
  hash: z.string(),
  tags: z.array(z.string()).optional(),
  caps: z.array(z.string()).optional(),
  rev: z.number().int().optional(),
  ver: z.string().optional(),
  call_alias: z.string().optional(),
  prov: z.boolean().default(false),
});

export const ComponentClaims = z.looseObject({
  exp: z.number().int().nonnegative().optional(),
  jti: z.string(),
  iat: z.number().int().nonnegative(),
  iss: z.string().min(1),
  sub: z.string().min(1),
  nbf: z.number().int().nonnegative().optional(),
  wascap: ComponentMetadata.optional(),
  wascap_revision: z.number().int().optional(),
});
export type ComponentClaims = z.infer<typeof ComponentClaims>;

/** What a binary's embedded claims say, and whether they hold for these exact bytes. */
export interface ClaimsReport {
  jwt: string;
  claims: ComponentClaims;
  /** The issuer's signature over the token verifies. */
  signatureValid: boolean;
  /** SHA-256 of the bytes without the claims (upper-case hex), as wascap computes it. */
  moduleHash: string;
  /** The signed hash equals `moduleHash`; null when the revision predates hash binding. */
  hashValid: boolean | null;
  expired: boolean;
  notYetValid: boolean;
}

interface Section {
  id: number;
  /** Offsets of the section's content in the binary. */
  start: number;
  end: number;
}

function readU32(bytes: Uint8Array, at: number): [value: number, length: number] {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) throw new WascapError(`malformed wasm: LEB128 number runs past the end at byte ${at}`);
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffff) break;
      return [value, i + 1];
    }
  }
  throw new WascapError(`malformed wasm: bad u32 at byte ${at}`);
}

function isComponentHeader(bytes: Uint8Array): boolean {
  return bytes[4] === 0x0d && bytes[5] === 0x00 && bytes[6] === 0x01 && bytes[7] === 0x00;
}

function sections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new WascapError('not a WebAssembly binary (no \\0asm header)');
  const out: Section[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset]!;
    const [size, length] = readU32(bytes, offset + 1);
    const start = offset + 1 + length;
    const end = start + size;
    if (end > bytes.length) throw new WascapError(`malformed wasm: section ${id} at byte ${offset} runs past the end`);
    out.push({ id, start, end });
    offset = end;
  }
  return out;
}

function customName(bytes: Uint8Array, section: Section): { name: string; dataStart: number } {
  const [length, lengthSize] = readU32(bytes, section.start);
  const nameStart = section.start + lengthSize;
  if (nameStart + length > section.end) throw new WascapError('malformed wasm: custom section name runs past its section');
  return { name: new TextDecoder().decode(bytes.subarray(nameStart, nameStart + length)), dataStart: nameStart + length };
}

function isClaimsSection(bytes: Uint8Array, section: Section): boolean {
  if (section.id !== 0) return false;
  const { name } = customName(bytes, section);
  return name === CLAIMS_SECTION || name === LEGACY_CLAIMS_SECTION;
}

/** The binary without any claims section, re-encoded as wascap hashes it. */
export function stripClaims(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  const component = isComponentHeader(bytes);
  for (const section of sections(bytes)) {
    if (isClaimsSection(bytes, section)) continue;
    const content =
      component && (section.id === NESTED_MODULE || section.id === NESTED_COMPONENT)
        ? stripClaims(bytes.subarray(section.start, section.end))
        : bytes.subarray(section.start, section.end);
    parts.push(Uint8Array.from([section.id, ...writeU32(content.length)]), content);
  }
  return concatBytes(parts);
}

/** wascap's module hash: upper-case hex SHA-256 of `stripClaims(bytes)`. */
export function moduleHash(bytes: Uint8Array): string {
  return createHash('sha256').update(stripClaims(bytes)).digest('hex').toUpperCase();
}

/** The token of the top-level claims section, or null for an unsigned binary. */
export function embeddedToken(bytes: Uint8Array): string | null {
  for (const section of sections(bytes)) {
    if (!isClaimsSection(bytes, section)) continue;
    const { dataStart } = customName(bytes, section);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(dataStart, section.end));
  }
  return null;
}

function base64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

function fromBase64url(segment: string, what: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new WascapError(`${what} is not base64url`);
  return Buffer.from(segment, 'base64url');
}

/** Decodes a wascap JWT and checks its signature against its own issuer key. */
export function decodeToken(jwt: string): { claims: ComponentClaims; signatureValid: boolean } {
  const segments = jwt.trim().split('.');
  if (segments.length !== 3) throw new WascapError(`claims token has ${segments.length} segments, expected 3`);
  const [head, body, sig] = segments as [string, string, string];
  let header: unknown;
  let raw: unknown;
  try {
    header = JSON.parse(fromBase64url(head, 'token header').toString('utf8'));
    raw = JSON.parse(fromBase64url(body, 'token claims').toString('utf8'));
  } catch (cause) {
    throw new WascapError(`claims token is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const h = header as { alg?: unknown; typ?: unknown };
  if (h?.alg !== HEADER.alg) throw new WascapError(`claims token algorithm is ${JSON.stringify(h?.alg)}, expected "Ed25519"`);
  const parsed = ComponentClaims.safeParse(raw);
  if (!parsed.success)
    throw new WascapError(`claims token fields are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  let signatureValid = false;
  try {
    signatureValid = fromPublic(parsed.data.iss).verify(new TextEncoder().encode(`${head}.${body}`), fromBase64url(sig, 'token signature'));
  } catch {
    signatureValid = false; // an issuer that is not an nkey cannot have signed it
  }
  return { claims: parsed.data, signatureValid };
}

/** The claims embedded in `bytes` and what holds of them now; null when the binary is unsigned. */
export function readClaims(bytes: Uint8Array, nowSeconds = Math.floor(Date.now() / 1000)): ClaimsReport | null {
  const jwt = embeddedToken(bytes);
  if (jwt === null) return null;
  const { claims, signatureValid } = decodeToken(jwt);
  const hash = moduleHash(bytes);
  const bindsHash = (claims.wascap_revision ?? 0) >= WASCAP_REVISION;
  return {
    jwt,
    claims,
    signatureValid,
    moduleHash: hash,
    hashValid: bindsHash ? claims.wascap?.hash === hash : null,
    expired: claims.exp !== undefined && claims.exp < nowSeconds,
    notYetValid: claims.nbf !== undefined && claims.nbf > nowSeconds,
  };
}

export interface SignOptions {
  /** The issuer's key pair (an account key, `SA...` seed). */
  issuer: KeyPair;
  /** The component's public module key (`M...`). */
  subject: string;
  name?: string;
  ver?: string;
  rev?: number;
  tags?: string[];
  caps?: string[];
  callAlias?: string;
  /** Seconds since the epoch. */
  expires?: number;
  notBefore?: number;
  now?: number;
}

/**
 * Signs a binary: removes any claims it had, embeds new ones (as the last custom section) bound to
 * its hash. The result is what `wash claims sign` produces for the same fields.
 */
export function signComponent(bytes: Uint8Array, options: SignOptions): { bytes: Uint8Array; claims: ComponentClaims; jwt: string } {
  const stripped = stripClaims(bytes);
  const hash = createHash('sha256').update(stripped).digest('hex').toUpperCase();
  // Field order follows wascap's serialization, so tokens read the same side by side.
  const claims: ComponentClaims = {
    ...(options.expires === undefined ? {} : { exp: options.expires }),
    jti: randomBytes(16).toString('base64url'),
    iat: options.now ?? Math.floor(Date.now() / 1000),
    iss: options.issuer.getPublicKey(),
    sub: options.subject,
    ...(options.notBefore === undefined ? {} : { nbf: options.notBefore }),
    wascap: {
      ...(options.name === undefined ? {} : { name: options.name }),
      hash,
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      ...(options.caps === undefined ? {} : { caps: options.caps }),
      ...(options.rev === undefined ? {} : { rev: options.rev }),
      ...(options.ver === undefined ? {} : { ver: options.ver }),
      ...(options.callAlias === undefined ? {} : { call_alias: options.callAlias }),
      prov: false,
    },
    wascap_revision: WASCAP_REVISION,
  };
  const signingInput = `${base64url(JSON.stringify(HEADER))}.${base64url(JSON.stringify(claims))}`;
  const jwt = `${signingInput}.${base64url(options.issuer.sign(new TextEncoder().encode(signingInput)))}`;
  const name = new TextEncoder().encode(CLAIMS_SECTION);
  const payload = concatBytes([Uint8Array.from(writeU32(name.length)), name, new TextEncoder().encode(jwt)]);
  const section = concatBytes([Uint8Array.from([0, ...writeU32(payload.length)]), payload]);
  return { bytes: concatBytes([stripped, section]), claims, jwt };
}
