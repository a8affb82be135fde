/**
 * Hostile guests, one per test: each gets a clear error or a denial, and the host answers the
 * next request (an HTTP hello scaled beside them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GuestExitError, GuestTrapError, InvocationTimeoutError, ResponseTooLargeError, type ComponentRuntime } from '../../runtime/mod.js';
import { fixture, startRuntime, text } from './helpers.js';

describe('hostile guests', { timeout: 120_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;

  before(async () => {
    ({ runtime, dispose } = await startRuntime());
    await runtime.scale({ componentId: 'hello', imageRef: await fixture('http-hello'), count: 4 });
  });
  after(() => dispose());

  async function nextRequestAnswered(): Promise<void> {
    const response = await runtime.handleHttp('hello', { method: 'GET', pathWithQuery: '/next' });
    assert.equal(response.status, 200);
    assert.equal(text(response.body), 'hello from a wat component: /next\n');
  }

  it('infinite loop: stopped at its deadline, typed timeout error', async () => {
    await runtime.scale({
      componentId: 'loop',
      imageRef: await fixture('loop'),
      count: 2,
      annotations: { 'lattice.dev/deadline-ms': '500' },
    });
    const [looped, served] = await Promise.allSettled([
      runtime.invoke('loop', 'lattice:fixtures/probe', 'run', []),
      // While one worker spins, the other keeps serving.
      runtime.handleHttp('hello', { method: 'GET', pathWithQuery: '/during' }),
    ]);
    assert.ok(looped.status === 'rejected' && looped.reason instanceof InvocationTimeoutError);
    assert.match((looped.reason as Error).message, /component loop did not finish within its 500 ms deadline; the guest was stopped/);
    assert.ok(served.status === 'fulfilled');
    // A per-invocation deadline overrides the component's.
    const quick = await runtime.invoke('loop', 'lattice:fixtures/probe', 'run', [], { deadlineMs: 200 }).catch((e: unknown) => e);
    assert.ok(quick instanceof InvocationTimeoutError && quick.deadlineMs === 200);
    await nextRequestAnswered();
  });

  it('memory bomb: capped, traps its own invocation only', async () => {
    await runtime.scale({
      componentId: 'bomb',
      imageRef: await fixture('memory-bomb'),
      count: 1,
      annotations: { 'lattice.dev/memory-mib': '32' },
    });
    const error = await runtime.invoke('bomb', 'lattice:fixtures/probe', 'run', []).catch((e: unknown) => e);
    assert.ok(error instanceof GuestTrapError, String(error));
    assert.match(error.message, /component bomb trapped: wasm trap: wasm `unreachable` instruction executed/);
    await nextRequestAnswered();
    // The cap is written into the component's own memory: one that starts above it is refused.
    const refused = await runtime
      .scale({ componentId: 'too-big', imageRef: await fixture('http-big'), count: 1, annotations: { 'lattice.dev/memory-mib': '1' } })
      .catch((e: unknown) => e);
    assert.ok(refused instanceof Error);
    assert.match(refused.message, /needs 18 pages \(1\.125 MiB\) of memory at start, above its 1 MiB cap/);
  });

  it('exit(1): ends only that invocation', async () => {
    await runtime.scale({ componentId: 'exit', imageRef: await fixture('exit'), count: 1 });
    for (let i = 0; i < 3; i++) {
      const error = await runtime.invoke('exit', 'lattice:fixtures/probe', 'run', []).catch((e: unknown) => e);
      assert.ok(error instanceof GuestExitError);
      assert.equal(error.status, 1);
      assert.match(error.message, /called wasi:cli\/exit with status 1; the invocation was ended/);
    }
    await nextRequestAnswered();
  });

  it('reading env vars: sees nothing of the host, only what config grants', async () => {
    process.env.LATTICE_SECRET_FOR_TEST = 'must-not-leak';
    await runtime.scale({ componentId: 'env', imageRef: await fixture('env'), count: 1 });
    assert.deepEqual(await runtime.invoke('env', 'lattice:fixtures/env-probe', 'read', []), []);
    await runtime.scale({ componentId: 'env-granted', imageRef: await fixture('env'), count: 1, env: { GREETING: 'hi' } });
    assert.deepEqual(await runtime.invoke('env-granted', 'lattice:fixtures/env-probe', 'read', []), [['GREETING', 'hi']]);
    await nextRequestAnswered();
  });

  it('opening files: no preopened directory exists', async () => {
    await runtime.scale({ componentId: 'files', imageRef: await fixture('files'), count: 1 });
    assert.equal(await runtime.invoke('files', 'lattice:fixtures/probe', 'run', []), 0);
    await nextRequestAnswered();
  });

  it('opening sockets: access-denied', async () => {
    await runtime.scale({ componentId: 'sockets', imageRef: await fixture('sockets'), count: 1 });
    // 1 is wasi:sockets error-code access-denied; 0xFFFFFFFF would mean a socket was created.
    assert.equal(await runtime.invoke('sockets', 'lattice:fixtures/probe', 'run', []), 1);
    await nextRequestAnswered();
  });

  it('a 50 MiB response: refused above the limit, delivered whole when the limit allows', async () => {
    await runtime.scale({ componentId: 'big', imageRef: await fixture('http-big'), count: 1 });
    const error = await runtime.handleHttp('big', { method: 'GET', pathWithQuery: '/' }).catch((e: unknown) => e);
    assert.ok(error instanceof ResponseTooLargeError);
    assert.match(error.message, /response body exceeded the component's 33554432 byte limit/);
    await nextRequestAnswered();

    await runtime.scale({
      componentId: 'big-allowed',
      imageRef: await fixture('http-big'),
      count: 1,
      annotations: { 'lattice.dev/max-response-mib': '64' },
    });
    const response = await runtime.handleHttp('big-allowed', { method: 'GET', pathWithQuery: '/' });
    assert.equal(response.status, 200);
    assert.equal(response.body.length, 50 * 2 ** 20);
    assert.equal(response.body[0], 0x78);
    assert.equal(response.body[response.body.length - 1], 0x78);
    await nextRequestAnswered();
  });
});
