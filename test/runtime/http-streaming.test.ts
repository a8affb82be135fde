/** `streamHttp`: the in-process HTTP path whose bodies stream (the http-server uses it). */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ResponseTooLargeError, type ComponentRuntime } from '../../runtime/mod.js';
import { HIGH_WATER } from '../../protocol/streams/flow.js';
import type { ResponseBody } from '../../protocol/streams/in-process.js';
import { fixture, startRuntime, text } from './helpers.js';
import { e2eFixture } from '../e2e/fixtures.js';

/** A response body as chunks, whether it came whole or streamed. */
async function* chunks(body: Uint8Array | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) yield body;
  else yield* body;
}

describe('runtime: streamed HTTP bodies', () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;

  before(async () => {
    ({ runtime, dispose } = await startRuntime());
  });

  after(() => dispose());

  it('a 50 MiB response reaches a slow reader with at most a few MiB queued', async () => {
    await runtime.scale({
      componentId: 'big-stream',
      imageRef: await fixture('http-big'),
      count: 1,
      annotations: { 'lattice.dev/max-response-mib': '64' },
    });
    const response = await runtime.streamHttp('big-stream', { method: 'GET', pathWithQuery: '/', body: (async function* () {})() });
    assert.equal(response.status, 200);
    const body = response.body as ResponseBody;
    let total = 0;
    let maxQueued = 0;
    for await (const chunk of body) {
      total += chunk.length;
      maxQueued = Math.max(maxQueued, body.queuedBytes);
      // A slow reader: without backpressure the worker would queue the whole body meanwhile.
      await sleep(2);
    }
    assert.equal(total, 50 * 2 ** 20);
    // The worker waits once it has sent HIGH_WATER bytes until less than that is queued.
    assert.ok(maxQueued <= 3 * HIGH_WATER, `queued up to ${maxQueued} bytes`);
  });

  it('a response past the size limit ends its body with ResponseTooLargeError', async () => {
    await runtime.scale({ componentId: 'big-limited', imageRef: await fixture('http-big'), count: 1 });
    const response = await runtime.streamHttp('big-limited', { method: 'GET', pathWithQuery: '/', body: (async function* () {})() });
    let total = 0;
    const error = await (async () => {
      for await (const chunk of chunks(response.body)) total += chunk.length;
    })().catch((e: unknown) => e);
    assert.ok(error instanceof ResponseTooLargeError);
    assert.ok(total <= 32 * 2 ** 20, `${total} bytes passed the 32 MiB limit`);
  });

  it('a request body streams in from an async iterable', async () => {
    await runtime.scale({ componentId: 'echo-stream', imageRef: await e2eFixture('http-echo'), count: 1 });
    const pieces = ['one ', 'two ', 'three'];
    const response = await runtime.streamHttp('echo-stream', {
      method: 'POST',
      pathWithQuery: '/',
      body: (async function* () {
        for (const p of pieces) yield new TextEncoder().encode(p);
      })(),
    });
    const received: Uint8Array[] = [];
    for await (const chunk of chunks(response.body)) received.push(chunk);
    assert.equal(text(Buffer.concat(received)), 'one two three');
  });

  it('a request body that fails mid-way is an error for the guest, not a host crash', async () => {
    const response = await runtime.streamHttp('echo-stream', {
      method: 'POST',
      pathWithQuery: '/',
      body: (async function* () {
        yield new TextEncoder().encode('partial');
        throw new Error('client went away');
      })(),
    });
    const received: Uint8Array[] = [];
    for await (const chunk of chunks(response.body)) received.push(chunk);
    // The echo stops at the failed read and finishes its answer with what it had.
    assert.equal(text(Buffer.concat(received)), 'partial');
    const again = await runtime.handleHttp('echo-stream', { method: 'POST', pathWithQuery: '/', body: 'still serving' });
    assert.equal(text(again.body), 'still serving');
  });
});
