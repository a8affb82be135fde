import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createAccount } from '@nats-io/nkeys';
import { withCustomSection } from '../test/kit/custom-section.js';
import { createModuleKey, parseModuleKey } from './module-keys.js';
import { decodeToken, embeddedToken, moduleHash, readClaims, signComponent, stripClaims, WascapError } from './wascap.js';

const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const custom = (name: string, data: number[]) => {
  const body = [utf8(name).length, ...utf8(name), ...data];
  return [0, body.length, ...body];
};
const MODULE_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const COMPONENT_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
/** A core module: an empty type section and a custom section. */
const innerModule = [...MODULE_HEADER, 1, 1, 0, ...custom('note', [1, 2, 3])];
/** A component nesting that module (section 1) and carrying a custom section of its own. */
const component = Uint8Array.from([...COMPONENT_HEADER, 1, innerModule.length, ...innerModule, ...custom('producers', [0])]);

describe('wascap claims', () => {
  it('signs in the documented shape: jwt header, claims fields, hash of the unsigned bytes, section name', () => {
    const issuer = createAccount();
    const subject = createModuleKey();
    const signed = signComponent(component, { issuer, subject: subject.publicKey, name: 'hello', ver: '1.2.0', rev: 3, now: 1_700_000_000 });
    const token = embeddedToken(signed.bytes);
    assert.equal(token, signed.jwt);
    const [head, body, sig] = token!.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(head!, 'base64url').toString()), { typ: 'jwt', alg: 'Ed25519' });
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.iss, issuer.getPublicKey());
    assert.equal(claims.sub, subject.publicKey);
    assert.equal(claims.iat, 1_700_000_000);
    assert.equal(claims.wascap_revision, 3);
    // The unsigned binary is already minimally encoded, so its plain SHA-256 is the module hash.
    const expectedHash = createHash('sha256').update(component).digest('hex').toUpperCase();
    assert.deepEqual(claims.wascap, { name: 'hello', hash: expectedHash, rev: 3, ver: '1.2.0', prov: false });
    assert.ok(issuer.verify(new TextEncoder().encode(`${head}.${body}`), Buffer.from(sig!, 'base64url')));
    // The claims are the last section, a custom section named wasmcloud_jwt.
    const tail = signed.bytes.subarray(component.length);
    assert.equal(tail[0], 0);
    assert.match(Buffer.from(tail).toString('latin1'), /wasmcloud_jwt/);

    const report = readClaims(signed.bytes, 1_700_000_100)!;
    assert.equal(report.signatureValid, true);
    assert.equal(report.hashValid, true);
    assert.equal(report.moduleHash, expectedHash);
    assert.equal(report.claims.wascap?.name, 'hello');
  });

  it('detects tampered bytes, a forged signature, and reports unsigned binaries as null', () => {
    const issuer = createAccount();
    const signed = signComponent(component, { issuer, subject: createModuleKey().publicKey });
    const tampered = Uint8Array.from(signed.bytes);
    tampered[COMPONENT_HEADER.length + 2 + MODULE_HEADER.length + 3 + 6] ^= 0xff; // a byte of the nested custom section data
    assert.equal(readClaims(tampered)!.hashValid, false);
    const [head, , sig] = signed.jwt.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ ...signed.claims, sub: 'MFORGED' })).toString('base64url');
    assert.equal(decodeToken(`${head}.${forgedBody}.${sig}`).signatureValid, false);
    assert.equal(readClaims(component), null);
  });

  it('strips claims at every depth and re-encodes section sizes minimally, as wascap hashes', () => {
    const jwtSection = custom('jwt', utf8('x.y.z'));
    const nested = [...MODULE_HEADER, 1, 1, 0, ...jwtSection];
    // A padded (non-minimal) LEB128 size for the nested module section: 0x80 | n, 0x00.
    const padded = Uint8Array.from([...COMPONENT_HEADER, 1, 0x80 | nested.length, 0x00, ...nested]);
    const expected = Uint8Array.from([...COMPONENT_HEADER, 1, 11, ...MODULE_HEADER, 1, 1, 0]);
    assert.deepEqual(stripClaims(padded), expected);
    assert.equal(moduleHash(padded), createHash('sha256').update(expected).digest('hex').toUpperCase());
  });

  it('re-signing replaces the old claims', () => {
    const first = signComponent(component, { issuer: createAccount(), subject: createModuleKey().publicKey, name: 'a' });
    const second = signComponent(first.bytes, { issuer: createAccount(), subject: createModuleKey().publicKey, name: 'b' });
    assert.equal(readClaims(second.bytes)!.claims.wascap?.name, 'b');
    assert.equal(second.bytes.length - first.bytes.length, second.jwt.length - first.jwt.length);
  });

  it("reads a token written by another signer from the documented fields (wash's shape), in either section name", () => {
    // Built here field by field, not by signComponent: the reader must not only understand itself.
    const issuer = createAccount();
    const subject = createModuleKey().publicKey;
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = (wascap: Record<string, unknown>, revision?: number) => {
      const head = b64({ typ: 'jwt', alg: 'Ed25519' });
      const body = b64({
        jti: 'Zx3',
        iat: 1_700_000_000,
        iss: issuer.getPublicKey(),
        sub: subject,
        wascap,
        ...(revision === undefined ? {} : { wascap_revision: revision }),
      });
      return `${head}.${body}.${Buffer.from(issuer.sign(new TextEncoder().encode(`${head}.${body}`))).toString('base64url')}`;
    };
    const hash = moduleHash(component);
    const current = readClaims(
      withCustomSection(
        component,
        'wasmcloud_jwt',
        new TextEncoder().encode(token({ name: 'hello', hash, tags: ['edge'], rev: 4, ver: '1.2.0', prov: false }, 3)),
      ),
    )!;
    assert.equal(current.signatureValid, true);
    assert.equal(current.hashValid, true);
    assert.equal(current.claims.iss, issuer.getPublicKey());
    assert.equal(current.claims.sub, subject);
    assert.deepEqual(current.claims.wascap, { name: 'hello', hash, tags: ['edge'], rev: 4, ver: '1.2.0', prov: false });
    // Before wascap 0.9 the section was `jwt`, and revisions below 3 hashed differently.
    const legacy = readClaims(withCustomSection(component, 'jwt', new TextEncoder().encode(token({ name: 'old', hash: 'AB' }))))!;
    assert.equal(legacy.claims.wascap?.name, 'old');
    assert.equal(legacy.signatureValid, true);
    assert.equal(legacy.hashValid, null, 'not comparable, not a mismatch');
  });

  it('names what is wrong with a damaged token', () => {
    assert.throws(
      () => decodeToken('abc'),
      (e: unknown) => e instanceof WascapError && /has 1 segments, expected 3/.test(e.message),
    );
    assert.throws(() => decodeToken('!!.e30.x'), /token header is not base64url/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`;
    assert.throws(() => decodeToken(none), /algorithm is "none", expected "Ed25519"/);
    const noIssuer = `${Buffer.from('{"alg":"Ed25519"}').toString('base64url')}.${Buffer.from('{"jti":"x","iat":1,"sub":"M"}').toString('base64url')}.x`;
    assert.throws(() => decodeToken(noIssuer), /fields are invalid: iss/);
  });

  it('refuses binaries that are not wasm or whose sections overrun', () => {
    assert.throws(() => readClaims(new Uint8Array([1, 2, 3])), WascapError);
    assert.throws(() => readClaims(Uint8Array.from([...COMPONENT_HEADER, 0, 50, 1])), /runs past the end/);
    // A custom section whose name is longer than the section.
    assert.throws(() => readClaims(Uint8Array.from([...MODULE_HEADER, 0, 2, 9, 0x61])), /name runs past its section/);
  });

  it('module keys round-trip between seed and public key', () => {
    const key = createModuleKey();
    assert.match(key.publicKey, /^M[A-Z2-7]{55}$/);
    assert.match(key.seed, /^SM[A-Z2-7]{56}$/);
    assert.equal(parseModuleKey(key.seed).publicKey, key.publicKey);
    assert.throws(() => parseModuleKey(`${key.publicKey.slice(0, -1)}A`), /checksum|not a module key/);
  });
});
