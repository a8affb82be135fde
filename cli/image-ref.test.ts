import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { absoluteImageRef } from './image-ref.js';

describe('absoluteImageRef', () => {
  it('makes paths absolute file URLs and leaves registry images and other schemes alone', () => {
    assert.equal(absoluteImageRef('build/app.wasm', '/work'), 'file:///work/build/app.wasm');
    assert.equal(absoluteImageRef('file://./x.wasm', '/work'), 'file:///work/x.wasm');
    for (const ref of ['ghcr.io/acme/app.wasm', 'localhost:5000/app:v1', 'oci://ghcr.io/a/b:1', 'nats://hello:v1']) assert.equal(absoluteImageRef(ref, '/work'), ref);
  });
});
