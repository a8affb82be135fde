import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenge } from './client.js';
import { formatOciRef, looksLikeOciRef, parseOciRef } from './reference.js';

describe('OCI references', () => {
  it('parses registry, repository, tag and digest as docker does', () => {
    assert.deepEqual(parseOciRef('ghcr.io/wasmcloud/components/http-hello:0.1.0'), {
      registry: 'ghcr.io',
      repository: 'wasmcloud/components/http-hello',
      tag: '0.1.0',
    });
    assert.deepEqual(parseOciRef('localhost:5000/app'), { registry: 'localhost:5000', repository: 'app', tag: 'latest' });
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseOciRef(`oci://127.0.0.1:5000/team/app:v1@${digest}`), { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1', digest });
    assert.deepEqual(parseOciRef(`reg.example.com/app@${digest}`), { registry: 'reg.example.com', repository: 'app', digest });
    assert.deepEqual(parseOciRef('alpine'), { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' });
    assert.equal(formatOciRef(parseOciRef('oci://ghcr.io/a/b:1')), 'ghcr.io/a/b:1');
  });

  it('refuses malformed references with the part that is wrong', () => {
    assert.throws(() => parseOciRef('ghcr.io/App/x:1'), /repository "App\/x" must be lowercase/);
    assert.throws(() => parseOciRef('ghcr.io/a/x@sha256:abc'), /pinned digest must be sha256/);
    assert.throws(() => parseOciRef('ghcr.io/a/x:bad tag'), /tag "bad tag"/);
  });

  it('tells registry images from paths and other schemes', () => {
    for (const ref of ['ghcr.io/a/b:1', 'localhost:5000/x', 'oci://x.io/y', `127.0.0.1:5000/a/b@sha256:${'0'.repeat(64)}`])
      assert.ok(looksLikeOciRef(ref), ref);
    for (const ref of ['file:///a.wasm', 'nats://hello:v1', './build/x.wasm', '/abs/x.wasm', 'build/x.wasm', 'x.wasm', 'lattice://keyvalue'])
      assert.ok(!looksLikeOciRef(ref), ref);
  });

  it('parses WWW-Authenticate challenges', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull,push"'), {
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry', scope: 'repository:a/b:pull,push' },
    });
    assert.deepEqual(parseChallenge('Basic realm="x"'), { scheme: 'basic', params: { realm: 'x' } });
  });
});
