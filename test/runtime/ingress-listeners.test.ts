/**
 * Which runtime workers listen on an http-server address (runtime/ingress/controller.ts): every
 * worker where the kernel spreads one port over several listeners (SO_REUSEPORT: Linux, Node
 * 22.12 and later), one elsewhere. An address opened while the pool is still starting must reach
 * the workers that become ready meanwhile: once it did not, and half of the runs served every
 * connection from one worker, the other idle.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../kit/ports.js';
import { startRuntime } from './helpers.js';

describe('worker ingress listeners', { timeout: 60_000 }, () => {
  it('every worker listens, the ones that became ready while the first opened the address too', async () => {
    const { runtime, dispose } = await startRuntime({ poolSize: 3 });
    try {
      const address = `127.0.0.1:${await freePort()}`;
      // Opened at once: the pool's workers are still starting.
      await runtime.ingress.open({ address, relayTo: '127.0.0.1:1', routes: [] });
      assert.equal(runtime.ingress.listeners(address), runtime.ingress.sharedPort ? 3 : 1);
      await runtime.ingress.close(address);
      assert.equal(runtime.ingress.listeners(address), 0);
    } finally {
      await dispose();
    }
  });
});
