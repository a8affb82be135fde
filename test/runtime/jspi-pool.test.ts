/**
 * Invocations the pool dispatches (calls over NATS, the http-server's own listener) under JSPI:
 * a worker whose invocations all wait on host calls takes more of the same component
 * (runtime/worker-pool.ts), so one worker keeps many in flight. The runtimes here have one worker
 * and no extra ones unless every worker is blocked, and the import handler answers only once
 * every call it waits for has arrived: invocations that ran one per worker would never all
 * arrive. Deadlines: a suspended invocation is answered at its deadline without ending its
 * worker; a runaway ends its worker and what of its own component was suspended there, and
 * never another component's invocations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ComponentRuntime, InvocationTimeoutError, WorkerCrashError } from '../../runtime/mod.js';
import { jspiAvailable } from '../../runtime/jspi.js';
import { capturingLogger, fixture, startRuntime, type LogRecord } from './helpers.js';

const skip = jspiAvailable() ? false : `JSPI needs Node 24 or newer (this is Node ${process.versions.node}); npm run test:node24 runs this file`;

/** An import handler that holds each `call` until `release` (or answers at once once released). */
function gate(): { handler: (componentId: string, iface: string, fn: string, args: unknown[]) => Promise<unknown>; arrived(): number; release(): void } {
  let arrived = 0;
  let open = false;
  const waiting: Array<() => void> = [];
  return {
    handler: async (_componentId, _iface, _fn, args) => {
      arrived++;
      if (!open) await new Promise<void>((resolve) => waiting.push(resolve));
      return { tag: 'ok', val: `upstream got ${String(args[0])}` };
    },
    arrived: () => arrived,
    release() {
      open = true;
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

/** A runtime with one worker (and no extra one unless every worker is blocked) behind a gated import handler. */
async function oneWorker(): Promise<{ runtime: ComponentRuntime; upstream: ReturnType<typeof gate>; records: LogRecord[]; dispose(): Promise<void> }> {
  const upstream = gate();
  const { logger, records } = capturingLogger();
  const started = await startRuntime({ jspi: true, poolSize: 1, maxPoolSize: 1, logger, importHandler: upstream.handler });
  return {
    runtime: started.runtime,
    upstream,
    records,
    dispose: () => {
      upstream.release();
      return started.dispose();
    },
  };
}

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('pool invocations under JSPI', { skip, timeout: 120_000 }, () => {
  it('runs 20 invocations of one component at once on one worker, each suspended on its provider call', async () => {
    const { runtime, upstream, records, dispose } = await oneWorker();
    try {
      await runtime.scale({ componentId: 'echo', imageRef: await fixture('echo'), count: 20 });
      const answers = Array.from({ length: 20 }, (_, i) => runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', [`r${i}`]));
      await until('all 20 calls to reach the provider', () => upstream.arrived() === 20);
      assert.equal(runtime.workerCount, 1);
      assert.ok(!records.some((r) => r.msg.startsWith('extra worker started')), 'an extra worker was started');
      upstream.release();
      assert.deepEqual(
        await Promise.all(answers),
        Array.from({ length: 20 }, (_, i) => `upstream got r${i}`),
      );
      assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo', 'echo', ['after']), 'after');
    } finally {
      await dispose();
    }
  });

  it('answers an invocation suspended past its deadline and keeps its worker; the others finish', async () => {
    const { runtime, upstream, records, dispose } = await oneWorker();
    try {
      await runtime.scale({ componentId: 'echo', imageRef: await fixture('echo'), count: 4 });
      const late = runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['late'], { deadlineMs: 1_000 }).catch((e: unknown) => e);
      const others = [1, 2, 3].map((i) => runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', [`r${i}`], { deadlineMs: 60_000 }));
      const error = await late;
      assert.ok(error instanceof InvocationTimeoutError, String(error));
      assert.equal(upstream.arrived(), 4);
      upstream.release();
      assert.deepEqual(await Promise.all(others), ['upstream got r1', 'upstream got r2', 'upstream got r3']);
      assert.ok(!records.some((r) => r.msg === 'worker replaced'), 'the worker was replaced');
      assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['next']), 'upstream got next');
    } finally {
      await dispose();
    }
  });

  it('ends a runaway with its worker: its own component suspended there fails, another component does not', async () => {
    const { runtime, upstream, dispose } = await oneWorker();
    try {
      await runtime.scale({ componentId: 'spin', imageRef: await fixture('relay-spin'), count: 4 });
      await runtime.scale({ componentId: 'loop', imageRef: await fixture('loop'), count: 1 });
      // Another component's runaway gets a worker of its own: the suspended relays live on.
      const relays = [1, 2].map((i) => runtime.invoke('spin', 'lattice:fixtures/echo', 'relay', [`r${i}`], { deadlineMs: 60_000 }));
      await until('both relays to reach the provider', () => upstream.arrived() === 2);
      const loop = await runtime.invoke('loop', 'lattice:fixtures/probe', 'run', [], { deadlineMs: 1_000 }).catch((e: unknown) => e);
      assert.ok(loop instanceof InvocationTimeoutError, String(loop));
      // Its own component's runaway joins the suspended relays' worker and ends them with it.
      const spin = runtime.invoke('spin', 'lattice:fixtures/echo', 'echo', ['x'], { deadlineMs: 1_000 }).catch((e: unknown) => e);
      const ended = await Promise.all(relays.map((relay) => relay.catch((e: unknown) => e)));
      assert.ok((await spin) instanceof InvocationTimeoutError, String(await spin));
      for (const error of ended) {
        assert.ok(error instanceof WorkerCrashError, String(error));
        assert.match(error.message, /the worker running component spin was ended: .*deadline/);
      }
      upstream.release();
      assert.equal(await runtime.invoke('spin', 'lattice:fixtures/echo', 'relay', ['next']), 'upstream got next');
    } finally {
      await dispose();
    }
  });
});
