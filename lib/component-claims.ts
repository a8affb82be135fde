/**
 * Signature claims embedded in a WebAssembly binary, as wasmCloud's signing (wascap, `wash
 * claims sign`) embeds them: a custom section named `wasmcloud_jwt` (`jwt` before wascap 0.9)
 * holding a JWT whose claims describe the component (name, version, tags, the module hash) and
 * whose issuer is the signing account's nkey.
 *
 * This module only finds and decodes them; it does not verify the signature or the hash. It has
 * no dependencies, so the CLI (`lattice inspect`), hosts and signing tools can share it.
 */

/** Section names wascap writes, newest first. */
export const CLAIMS_SECTIONS = ['wasmcloud_jwt', 'jwt'] as const;

export interface CustomSection {
  name: string;
  /** Offset of the section's payload (after its name) in the binary. */
  offset: number;
  data: Uint8Array;
}

export class WasmSectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmSectionError';
  }
}

function readU32(bytes: Uint8Array, at: number): [value: number, length: number] {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= bytes.length) throw new WasmSectionError(`LEB128 at byte ${at} runs past the end`);
    const byte = bytes[at + i]!;
    result += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [result, i + 1];
  }
  throw new WasmSectionError(`LEB128 at byte ${at} is longer than 5 bytes`);
}

/**
 * The top-level custom sections (id 0) of a core module or a component, in order. Nested modules
 * and components are not entered: claims live at the top.
 */
export function customSections(bytes: Uint8Array): CustomSection[] {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmSectionError('not WebAssembly (no \\0asm header)');
  }
  const out: CustomSection[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset]!;
    const [size, sizeLength] = readU32(bytes, offset + 1);
    const start = offset + 1 + sizeLength;
    const end = start + size;
    if (end > bytes.length) throw new WasmSectionError(`section at byte ${offset} runs past the end of the file`);
    if (id === 0) {
      const [nameLength, nameLengthBytes] = readU32(bytes, start);
      const nameStart = start + nameLengthBytes;
      if (nameStart + nameLength > end) throw new WasmSectionError(`custom section at byte ${offset} has a name longer than itself`);
      const name = new TextDecoder().decode(bytes.subarray(nameStart, nameStart + nameLength));
      out.push({ name, offset: nameStart + nameLength, data: bytes.subarray(nameStart + nameLength, end) });
    }
    offset = end;
  }
  return out;
}

/** wascap's claims about a component (`wascap` in the JWT); every field optional, unknown ones kept. */
export interface ComponentClaimsMetadata {
  name?: string;
  hash?: string;
  tags?: string[];
  rev?: number;
  ver?: string;
  call_alias?: string;
  [key: string]: unknown;
}

export interface DecodedClaims {
  /** The section the token was found in (`wasmcloud_jwt`, or `jwt` for pre-0.9 signing). */
  section: string;
  token: string;
  header: Record<string, unknown>;
  /** The JWT claims: iss (account), sub (component key), iat, exp, nbf, jti, wascap ... */
  claims: Record<string, unknown> & { iss?: string; sub?: string; iat?: number; exp?: number; nbf?: number; wascap?: ComponentClaimsMetadata };
  /** Decoded only: neither the signature nor the module hash has been checked. */
  verified: false;
}

export class ClaimsDecodeError extends Error {
  constructor(section: string, detail: string) {
    super(`the ${section} section does not hold a readable JWT: ${detail}`);
    this.name = 'ClaimsDecodeError';
  }
}

function base64UrlJson(part: string, what: string, section: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new ClaimsDecodeError(section, `${what}: ${(cause as Error).message}`);
  }
}

/** Decodes a compact JWT (`header.claims.signature`) without checking its signature. */
export function decodeJwt(token: string, section = 'jwt'): DecodedClaims {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new ClaimsDecodeError(section, `expected 3 dot-separated parts, found ${parts.length}`);
  return {
    section,
    token: token.trim(),
    header: base64UrlJson(parts[0]!, 'header', section),
    claims: base64UrlJson(parts[1]!, 'claims', section),
    verified: false,
  };
}

/** The embedded claims of a binary, or null when it carries none (it is not signed). */
export function readEmbeddedClaims(bytes: Uint8Array): DecodedClaims | null {
  const sections = customSections(bytes);
  for (const name of CLAIMS_SECTIONS) {
    const found = sections.find((s) => s.name === name);
    if (found) return decodeJwt(new TextDecoder().decode(found.data), name);
  }
  return null;
}
