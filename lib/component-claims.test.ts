import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { componentJwt, withCustomSection } from '../test/kit/signed-wasm.js';
import { ClaimsDecodeError, customSections, decodeJwt, readEmbeddedClaims, WasmSectionError } from './component-claims.js';

/** The smallest core module: header only, then one type section with no types. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00]);

describe('component claims', () => {
  it('lists custom sections by name, with their payload', () => {
    const bytes = withCustomSection(withCustomSection(EMPTY_MODULE, 'producers', new Uint8Array([0])), 'x', new TextEncoder().encode('hello'));
    const sections = customSections(bytes);
    assert.deepEqual(sections.map((s) => s.name), ['producers', 'x']);
    assert.equal(new TextDecoder().decode(sections[1]!.data), 'hello');
  });

  it('decodes the wasmcloud_jwt section and says it was not verified', () => {
    const { token, issuer, subject } = componentJwt({ name: 'hello', ver: '1.2.0', rev: 4, tags: ['edge'] });
    const claims = readEmbeddedClaims(withCustomSection(EMPTY_MODULE, 'wasmcloud_jwt', new TextEncoder().encode(token)));
    assert.ok(claims);
    assert.equal(claims.section, 'wasmcloud_jwt');
    assert.equal(claims.verified, false);
    assert.equal(claims.claims.iss, issuer);
    assert.equal(claims.claims.sub, subject);
    assert.deepEqual(claims.claims.wascap, { name: 'hello', ver: '1.2.0', rev: 4, tags: ['edge'] });
    assert.equal(claims.header.alg, 'Ed25519');
  });

  it('reads the pre-0.9 jwt section, prefers wasmcloud_jwt, and is null for an unsigned binary', () => {
    const old = componentJwt({ name: 'old' }).token;
    const current = componentJwt({ name: 'new' }).token;
    assert.equal(readEmbeddedClaims(withCustomSection(EMPTY_MODULE, 'jwt', new TextEncoder().encode(old)))?.claims.wascap?.name, 'old');
    const both = withCustomSection(withCustomSection(EMPTY_MODULE, 'jwt', new TextEncoder().encode(old)), 'wasmcloud_jwt', new TextEncoder().encode(current));
    assert.equal(readEmbeddedClaims(both)?.claims.wascap?.name, 'new');
    assert.equal(readEmbeddedClaims(EMPTY_MODULE), null);
  });

  it('names what is wrong with a damaged token or binary', () => {
    assert.throws(() => decodeJwt('abc', 'wasmcloud_jwt'), (e: unknown) => e instanceof ClaimsDecodeError && /3 dot-separated parts, found 1/.test(e.message));
    assert.throws(() => decodeJwt('!!.e30.x'), ClaimsDecodeError);
    assert.throws(() => customSections(new Uint8Array([1, 2, 3])), WasmSectionError);
    const truncated = withCustomSection(EMPTY_MODULE, 'x', new Uint8Array(10)).subarray(0, EMPTY_MODULE.length + 5);
    assert.throws(() => customSections(truncated), /runs past the end/);
  });
});
