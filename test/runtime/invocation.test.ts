import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BusyError,
  ExportNotFoundError,
  GuestTrapError,
  InvocationTimeoutError,
  WitError,
  type ComponentRuntime,
  type ImportHandler,
} from '../../runtime/mod.js';
import { waitFor } from '../kit/wait.js';
import { fixture, startRuntime, text } from './helpers.js';

describe('invocations', { timeout: 120_000 }, () => {
  let runtime: ComponentRuntime;
  let dispose: () => Promise<void>;
  let inFlight = 0;
  let maxInFlight = 0;
  const handler: ImportHandler = async (componentId, iface, fn, args) => {
    assert.equal(iface, 'lattice:fixtures/upstream@0.1.0');
    assert.equal(fn, 'call');
    const payload = args[0] as string;
    if (payload.startsWith('fail:')) throw new WitError(`upstream refused ${payload.slice(5)}`);
    if (payload === 'crash') throw new Error('provider connection lost');
    if (payload.startsWith('slow:')) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(5);
      inFlight--;
    }
    if (payload.startsWith('big:')) return 'y'.repeat(Number(payload.slice(4)));
    return `${componentId} got ${payload.length > 64 ? `${payload.length} chars` : payload}`;
  };

  before(async () => {
    ({ runtime, dispose } = await startRuntime({ importHandler: handler }));
    await runtime.scale({ componentId: 'hello', imageRef: await fixture('http-hello'), count: 4 });
    await runtime.scale({ componentId: 'echo', imageRef: await fixture('echo'), count: 4 });
  });
  after(() => dispose());

  it('sends an HTTP-shaped request to a component and returns its response', async () => {
    const response = await runtime.handleHttp('hello', {
      method: 'POST',
      pathWithQuery: '/greet?name=lattice',
      headers: { 'content-type': 'text/plain' },
      body: 'ignored',
    });
    assert.equal(response.status, 200);
    assert.equal(text(response.body), 'hello from a wat component: /greet?name=lattice\n');
  });

  it('completes 100 concurrent HTTP invocations with max_instances 4', async () => {
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => runtime.handleHttp('hello', { method: 'GET', pathWithQuery: `/r/${i}` })));
    responses.forEach((r, i) => assert.equal(text(r.body), `hello from a wat component: /r/${i}\n`));
  });

  it('never runs more invocations of a component at once than max_instances', async () => {
    // Two workers could run two at once: max_instances 1 must hold it to one.
    await runtime.scale({ componentId: 'single', imageRef: await fixture('echo'), count: 1 });
    maxInFlight = 0;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => runtime.invoke('single', 'lattice:fixtures/echo', 'relay', [`slow:${i}`])));
    results.forEach((r, i) => assert.equal(r, `single got slow:${i}`));
    assert.equal(maxInFlight, 1);
  });

  it('fails excess invocations with a clear busy error once the queue is full', async () => {
    await runtime.scale({
      componentId: 'narrow',
      imageRef: await fixture('echo'),
      count: 1,
      annotations: { 'lattice.dev/queue-limit': '2' },
    });
    const settled = await Promise.allSettled(Array.from({ length: 6 }, () => runtime.invoke('narrow', 'lattice:fixtures/echo', 'relay', ['slow:x'])));
    const busy = settled.filter((s) => s.status === 'rejected');
    assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 3);
    assert.equal(busy.length, 3);
    for (const b of busy) {
      assert.ok(b.status === 'rejected' && b.reason instanceof BusyError);
      assert.match((b.reason as Error).message, /component narrow is busy: 1 invocations running and 2 queued/);
    }
  });

  it('invokes a custom interface export', async () => {
    assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo', 'echo', ['ping']), 'ping');
    // version in the name is matched too
    assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo@0.1.0', 'echo', ['v']), 'v');
  });

  it('carries values larger than any fixed buffer through the bridge, both ways', async () => {
    const big = 'x'.repeat(5 * 2 ** 20);
    assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', [big]), `echo got ${big.length} chars`);
    const back = (await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', [`big:${3 * 2 ** 20}`])) as string;
    assert.equal(back.length, 3 * 2 ** 20);
  });

  it('returns WIT errors from an import as WIT error payloads', async () => {
    const error = await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['fail:now']).catch((e: unknown) => e);
    assert.ok(error instanceof WitError);
    assert.equal(error.payload, 'upstream refused now');
  });

  it('traps only the invocation whose host call failed', async () => {
    const error = await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['crash']).catch((e: unknown) => e);
    assert.ok(error instanceof GuestTrapError);
    assert.match(error.message, /host call lattice:fixtures\/upstream@0\.1\.0#call failed: provider connection lost/);
    assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['after']), 'echo got after');
  });

  it('names what a component exports when the invoked function does not exist', async () => {
    const error = await runtime.invoke('echo', 'lattice:fixtures/echo', 'shout', ['x']).catch((e: unknown) => e);
    assert.ok(error instanceof ExportNotFoundError);
    assert.match(error.message, /does not export lattice:fixtures\/echo#shout; it exports .*lattice:fixtures\/echo@0\.1\.0#echo/);
  });
});

describe('workers blocked on host calls', { timeout: 60_000 }, () => {
  it('start extra workers so that other invocations are not held up', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { runtime, dispose } = await startRuntime({
      poolSize: 2,
      maxPoolSize: 4,
      importHandler: async (_id, _iface, _fn, args) => {
        if (args[0] === 'wait') await gate;
        return `done ${String(args[0])}`;
      },
    });
    try {
      await runtime.scale({ componentId: 'echo', imageRef: await fixture('echo'), count: 10 });
      let waitersDone = false;
      const waiters = Promise.all([1, 2].map(() => runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['wait']))).then((r) => {
        waitersDone = true;
        return r;
      });
      // Both pool workers now block on the host; this one needs a third worker. Under JSPI they
      // are suspended instead, and one of them takes it (jspi-pool.test.ts).
      assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo', 'echo', ['free']), 'free');
      assert.equal(waitersDone, false);
      if (runtime.jspi) assert.equal(runtime.workerCount, 2);
      else assert.ok(runtime.workerCount > 2 && runtime.workerCount <= 4, `workers: ${runtime.workerCount}`);
      release();
      assert.deepEqual(await waiters, ['done wait', 'done wait']);
    } finally {
      release();
      await dispose();
    }
  });
});

describe('bridge timeout', { timeout: 60_000 }, () => {
  it('stops at the deadline a guest blocked in a host call, and ignores the late reply', async () => {
    let answered = 0;
    const { runtime, dispose } = await startRuntime({
      importHandler: async (_id, _iface, _fn, args) => {
        // Well past the deadline below, which leaves a loaded machine time to deliver the call.
        if (args[0] === 'hang') await sleep(3_000);
        answered++;
        return 'late';
      },
    });
    try {
      await runtime.scale({ componentId: 'echo', imageRef: await fixture('echo'), count: 2 });
      const error = await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['hang'], { deadlineMs: 1_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof InvocationTimeoutError);
      assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['quick']), 'late');
      await waitFor('the hung call to finish on the main thread', () => answered === 2);
      // The late reply went nowhere: the next calls are still answered correctly.
      assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo', 'echo', ['after']), 'after');
    } finally {
      await dispose();
    }
  });

  it('traps a guest whose host call gets no answer in time, then serves the next call', async () => {
    let hang = true;
    const { runtime, dispose } = await startRuntime({
      bridgeTimeoutMs: 300,
      importHandler: async () => {
        if (hang) await sleep(2_000);
        return 'answered';
      },
    });
    try {
      await runtime.scale({ componentId: 'echo', imageRef: await fixture('echo'), count: 1 });
      const error = await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['x']).catch((e: unknown) => e);
      assert.ok(error instanceof GuestTrapError);
      assert.match(error.message, /got no answer within 300 ms/);
      hang = false;
      assert.equal(await runtime.invoke('echo', 'lattice:fixtures/echo', 'relay', ['x']), 'answered');
    } finally {
      await dispose();
    }
  });
});
