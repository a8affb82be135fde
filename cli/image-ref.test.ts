import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from './errors.js';
import { absoluteImageRef, imageArgument } from './image-ref.js';

describe('absoluteImageRef', () => {
  it('makes paths absolute file URLs and leaves registry images and other schemes alone', () => {
    assert.equal(absoluteImageRef('build/app.wasm', '/work'), 'file:///work/build/app.wasm');
    assert.equal(absoluteImageRef('file://./x.wasm', '/work'), 'file:///work/x.wasm');
    for (const ref of ['ghcr.io/acme/app.wasm', 'localhost:5000/app:v1', 'oci://ghcr.io/a/b:1', 'nats://hello:v1'])
      assert.equal(absoluteImageRef(ref, '/work'), ref);
  });
});

describe('imageArgument', () => {
  it('refuses a malformed registry reference as a usage error, and otherwise resolves as absoluteImageRef', () => {
    assert.equal(imageArgument('build/app.wasm', '/work'), 'file:///work/build/app.wasm');
    assert.equal(imageArgument('ghcr.io/acme/app:1.0', '/work'), 'ghcr.io/acme/app:1.0');
    for (const bad of ['ghcr.io/Acme/app:1', 'oci://ghcr.io/acme/app@sha256:abc', 'localhost:5000/app:-x']) {
      assert.throws(
        () => imageArgument(bad, '/work'),
        (e: unknown) => e instanceof UsageError && e.exitCode === 2 && /invalid OCI reference .*\(the form is/.test(e.message),
        bad,
      );
    }
  });
});
