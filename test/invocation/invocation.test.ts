import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import {
  ApplicationError,
  DeadlineExceededError,
  NoRespondersError,
  RemoteApplicationError,
  RemoteCrashError,
  TargetNotRunningError,
  invoke,
  serveTarget,
  type IncomingCall,
  type TargetServer,
} from '../../protocol/mod.js';
import { NatsServer } from '../kit/nats-server.js';

const LATTICE = 'inv-test';
const KV = 'wasi:keyvalue/store@0.2.0-draft';

/** Every WIT value shape as jco represents it in JS. */
const SHAPES: Record<string, unknown> = {
  string: 'héllo wörld €😀',
  emptyString: '',
  char: '😀',
  bool: true,
  u8: 255,
  s32: -2147483648,
  u32: 4294967295,
  f32: 1.5,
  f64: 0.1,
  nan: NaN,
  inf: -Infinity,
  u64Small: 7n,
  u64Max: 2n ** 64n - 1n,
  s64Min: -(2n ** 63n),
  bytes: new Uint8Array([0, 1, 2, 253, 254, 255]),
  emptyBytes: new Uint8Array(0),
  f32List: new Float32Array([1.5, -2.25]),
  u64List: new BigUint64Array([1n, 2n ** 64n - 1n]),
  s16List: new Int16Array([-1, 32767]),
  record: { name: 'a', size: 3, nested: { deep: [1, 2, 3], flag: false } },
  variantWithPayload: { tag: 'other', val: 'boom' },
  variantNoPayload: { tag: 'no-such-store' },
  enumCase: 'access-denied',
  flags: { read: true, write: false, exec: true },
  optionNone: undefined,
  optionSome: 'x',
  nestedOptionSomeNone: { tag: 'some', val: undefined },
  resultOk: { tag: 'ok', val: undefined },
  resultOkValue: { tag: 'ok', val: new Uint8Array([9]) },
  resultErr: { tag: 'err', val: { tag: 'other', val: 'bad' } },
  listOfRecords: [
    { k: 'a', v: new Uint8Array([1]) },
    { k: 'b', v: new Uint8Array([2]) },
  ],
  tuple: ['a', 1, 2n, [true, undefined]],
  resourceHandle: 42,
  listOfOptions: ['a', undefined, 'c'],
};

describe('invocation protocol over a real nats-server', () => {
  let server: NatsServer;
  let client: NatsConnection;
  let hostA: NatsConnection;
  let hostB: NatsConnection;
  const servers: TargetServer[] = [];

  before(async () => {
    server = await NatsServer.start();
    [client, hostA, hostB] = await Promise.all([0, 1, 2].map(() => connect({ servers: server.url })));
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([client, hostA, hostB].map((nc) => nc?.close()));
    await server?.dispose();
  });

  async function serve(nc: NatsConnection, target: string, handler: (call: IncomingCall) => unknown) {
    const s = await serveTarget(nc, LATTICE, target, handler);
    servers.push(s);
    return s;
  }

  it('round-trips every WIT value shape as arguments and as the result', async () => {
    await serve(hostA, 'echo', (call) => call.args);
    for (const [name, value] of Object.entries(SHAPES)) {
      const result = await invoke(client, LATTICE, {
        target: 'echo',
        interface: 'lattice:test/echo@1.0.0',
        function: 'echo',
        args: [value],
        source: 'tester',
      });
      assert.deepStrictEqual(result, [value], `shape ${name}`);
    }
    const all = await invoke(client, LATTICE, {
      target: 'echo',
      interface: 'lattice:test/echo',
      function: 'echo',
      args: Object.values(SHAPES),
      source: 'tester',
    });
    assert.deepStrictEqual(all, Object.values(SHAPES));
  });

  it('delivers function, interface version, source, link name and traceparent to the handler', async () => {
    let seen: IncomingCall | undefined;
    await serve(hostA, 'meta', (call) => {
      seen = call;
      return null;
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await invoke(client, LATTICE, {
      target: 'meta',
      interface: KV,
      function: '[method]bucket.get',
      args: [1, 'k'],
      source: 'comp-1',
      linkName: 'cache',
      traceparent,
      deadlineMs: 2_000,
    });
    assert.ok(seen);
    assert.equal(seen.function, '[method]bucket.get');
    assert.equal(seen.interface, KV);
    assert.deepEqual(seen.ref, { namespace: 'wasi', package: 'keyvalue', interface: 'store', version: '0.2.0-draft' });
    assert.equal(seen.source, 'comp-1');
    assert.equal(seen.linkName, 'cache');
    assert.equal(seen.traceparent, traceparent);
    assert.deepEqual(seen.args, [1, 'k']);
    assert.ok(seen.deadline > Date.now() - 5_000 && seen.deadline <= Date.now() + 2_000);
  });

  it('carries a 3 MB payload both ways (chunked over the 1 MB max payload)', async () => {
    assert.ok((client.info?.max_payload ?? 0) < 3 * 1024 * 1024, 'the server must limit payloads below the test size');
    await serve(hostA, 'big', (call) => {
      const input = call.args[0] as Uint8Array;
      const out = new Uint8Array(input.length);
      for (let i = 0; i < input.length; i++) out[i] = input[input.length - 1 - i];
      return { size: input.length, reversed: out };
    });
    const input = new Uint8Array(randomBytes(3 * 1024 * 1024));
    const result = (await invoke(client, LATTICE, {
      target: 'big',
      interface: 'lattice:test/blob',
      function: 'reverse',
      args: [input],
      source: 'tester',
    })) as { size: number; reversed: Uint8Array };
    assert.equal(result.size, input.length);
    assert.equal(result.reversed.length, input.length);
    assert.ok(result.reversed.every((b, i) => b === input[input.length - 1 - i]));
  });

  it('spreads calls over every server of a target through the queue group, each call answered once', async () => {
    const handled = { a: 0, b: 0 };
    await serve(hostA, 'shared', () => ++handled.a && 'a');
    await serve(hostB, 'shared', () => ++handled.b && 'b');
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => invoke(client, LATTICE, { target: 'shared', interface: 'lattice:test/who', function: 'who', source: 't' })),
    );
    assert.equal(handled.a + handled.b, 60);
    assert.ok(handled.a > 0 && handled.b > 0, `both servers served: ${JSON.stringify(handled)}`);
    assert.equal(answers.filter((x) => x === 'a').length, handled.a);
  });

  it('raises DeadlineExceededError and aborts the handler when the deadline passes', async () => {
    let aborted: Promise<boolean> = Promise.resolve(false);
    await serve(hostA, 'slow', (call) => {
      aborted = new Promise((resolve) => call.signal.addEventListener('abort', () => resolve(true)));
      return new Promise(() => {}); // never answers on its own
    });
    await assert.rejects(
      invoke(client, LATTICE, { target: 'slow', interface: 'lattice:test/s', function: 'wait', source: 't', deadlineMs: 300 }),
      (error: unknown) => error instanceof DeadlineExceededError,
    );
    assert.equal(await aborted, true);
  });

  it('raises TargetNotRunningError (a NoRespondersError) when nothing serves the target', async () => {
    await assert.rejects(
      invoke(client, LATTICE, { target: 'nobody', interface: KV, function: 'open', args: ['b'], source: 't' }),
      (error: unknown) => error instanceof TargetNotRunningError && error instanceof NoRespondersError && /nobody/.test(error.message),
    );
  });

  it('tells a refused call (ApplicationError) from a crashed handler', async () => {
    await serve(hostA, 'thrower', (call) => {
      if (call.function === 'refuse') throw new ApplicationError('unknown-function', 'no such function');
      throw new Error('kaboom');
    });
    await assert.rejects(
      invoke(client, LATTICE, { target: 'thrower', interface: 'lattice:test/t', function: 'refuse', source: 't' }),
      (error: unknown) => error instanceof RemoteApplicationError && error.code === 'unknown-function',
    );
    await assert.rejects(
      invoke(client, LATTICE, { target: 'thrower', interface: 'lattice:test/t', function: 'crash', source: 't' }),
      (error: unknown) => error instanceof RemoteCrashError && error.remoteMessage === 'kaboom',
    );
    // The server survived both and still answers.
    await assert.rejects(invoke(client, LATTICE, { target: 'thrower', interface: 'lattice:test/t', function: 'refuse', source: 't' }), RemoteApplicationError);
  });

  it('stops serving after stop()', async () => {
    const s = await serveTarget(hostA, LATTICE, 'stoppable', () => 'up');
    assert.equal(await invoke(client, LATTICE, { target: 'stoppable', interface: 'lattice:test/x', function: 'f', source: 't' }), 'up');
    await s.stop();
    await assert.rejects(invoke(client, LATTICE, { target: 'stoppable', interface: 'lattice:test/x', function: 'f', source: 't' }), TargetNotRunningError);
  });

  it('rejects a malformed invocation before sending, naming the problem', async () => {
    await assert.rejects(
      invoke(client, LATTICE, { target: 'echo', interface: 'not an interface', function: 'f', source: 't' }),
      (error: unknown) => error instanceof TypeError && /interface/.test(error.message),
    );
    await assert.rejects(
      invoke(client, LATTICE, { target: 'bad.target', interface: KV, function: 'f', source: 't' }),
      (error: unknown) => error instanceof TypeError && /target/.test(error.message),
    );
  });
});
