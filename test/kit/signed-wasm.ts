import { createAccount, createServer } from '@nats-io/nkeys';

/** `name` as a LEB128-prefixed UTF-8 string, as custom sections spell their names. */
function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** `bytes` with a custom section appended (valid at the end of a module or component). */
export function withCustomSection(bytes: Uint8Array, name: string, data: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const payload = [...leb128(nameBytes.length), ...nameBytes, ...data];
  return new Uint8Array([...bytes, 0x00, ...leb128(payload.length), ...payload]);
}

/**
 * A JWT shaped like the ones wasmCloud signing embeds (header typ/alg, iss = account key, sub =
 * component key, `wascap` metadata), signed with a fresh account nkey. Only for decoding tests:
 * the module hash is not computed the way wascap does.
 */
export function componentJwt(metadata: Record<string, unknown>, iat = 1_700_000_000): { token: string; issuer: string; subject: string } {
  const account = createAccount();
  // wascap subjects are module keys ('M...'); this nkeys build has no module prefix, and decoding
  // does not care which kind of key the subject is.
  const subject = createServer().getPublicKey();
  const issuer = account.getPublicKey();
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = b64({ typ: 'jwt', alg: 'Ed25519' });
  const claims = b64({ jti: 'test', iat, iss: issuer, sub: subject, wascap_revision: 3, wascap: metadata });
  const signature = Buffer.from(account.sign(new TextEncoder().encode(`${header}.${claims}`))).toString('base64url');
  return { token: `${header}.${claims}.${signature}`, issuer, subject };
}
