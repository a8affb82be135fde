/**
 * Byte streams inside invocation values (protocol/streams/nats-*.ts): bodies that cross hosts while
 * they are produced, with credit-based backpressure, cancellation and failure detection.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { invoke, serveTarget, StreamBrokenError, type TargetServer } from '../../protocol/mod.js';
import { WINDOW } from '../../protocol/streams/flow.js';
import { exporterFor } from '../../protocol/streams/nats-exporter.js';
import { NatsServer } from '../kit/nats-server.js';

const LATTICE = 'stream-test';
const IFACE = 'lattice:test/bytes';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    await sleep(0);
    yield bytes.subarray(at, Math.min(bytes.length, at + size));
  }
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

interface Response {
  status: number;
  body: AsyncIterable<Uint8Array>;
}

describe('byte streams across the lattice (64 KiB max payload)', () => {
  let server: NatsServer;
  let client: NatsConnection;
  let host: NatsConnection;
  let target: TargetServer;
  /** What the `produce` handler's generator has yielded, and whether it was closed. */
  const produced = { count: 0, closed: false };

  before(async () => {
    server = await NatsServer.start({ extraConfig: 'max_payload: 65536' });
    [client, host] = await Promise.all([connect({ servers: server.url }), connect({ servers: server.url })]);
    target = await serveTarget(host, LATTICE, 'bytes', async (call) => {
      switch (call.function) {
        case 'digest': {
          // Reads the streamed argument to the end, answers its hash.
          const body = call.args[0] as AsyncIterable<Uint8Array>;
          return createHash('sha256')
            .update(await collect(body))
            .digest('hex');
        }
        case 'upper': {
          // Answers at once with a body derived from the request body as it arrives.
          const body = call.args[0] as { body: AsyncIterable<Uint8Array> };
          async function* upper(): AsyncGenerator<Uint8Array> {
            for await (const chunk of body.body) yield new TextEncoder().encode(new TextDecoder().decode(chunk).toUpperCase());
          }
          return { status: 200, body: upper() };
        }
        case 'produce': {
          const count = call.args[0] as number;
          const failAt = call.args[1] as number | undefined;
          produced.count = 0;
          produced.closed = false;
          async function* numbers(): AsyncGenerator<Uint8Array> {
            try {
              for (let i = 0; i < count; i++) {
                if (i === failAt) throw new Error(`producer failed at ${i}`);
                produced.count++;
                yield new TextEncoder().encode(`${i}\n`);
              }
            } finally {
              produced.closed = true;
            }
          }
          return { status: 200, body: numbers() };
        }
        case 'ignore':
          return 'ignored';
        default:
          throw new Error(`unknown function ${call.function}`);
      }
    });
  });

  after(async () => {
    await target?.stop();
    await Promise.all([client?.close(), host?.close()]);
    await server?.dispose();
  });

  const call = (fn: string, args: unknown[], deadlineMs = 10_000) =>
    invoke(client, LATTICE, { target: 'bytes', interface: IFACE, function: fn, args, source: 'test', deadlineMs });

  it('sends a streamed argument of several MiB (larger than max payload chunks) intact', async () => {
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const digest = await call('digest', [chunksOf(bytes, 200_000)]);
    assert.equal(digest, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(exporterFor(client, LATTICE).open, 0);
  });

  it('streams both ways in one call: the answer flows while the argument is still being sent', async () => {
    let resume!: () => void;
    const gate = new Promise<void>((resolve) => (resume = resolve));
    async function* request(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('hello ');
      await gate; // the rest only after the first answer chunk arrived
      yield new TextEncoder().encode('lattice');
    }
    const response = (await call('upper', [{ body: request() }])) as Response;
    assert.equal(response.status, 200);
    const chunks = response.body[Symbol.asyncIterator]();
    const first = await chunks.next();
    assert.equal(new TextDecoder().decode(first.value as Uint8Array), 'HELLO ');
    resume();
    const second = await chunks.next();
    assert.equal(new TextDecoder().decode(second.value as Uint8Array), 'LATTICE');
    assert.equal((await chunks.next()).done, true);
  });

  it('a slow reader holds the producer back to the credit window', async () => {
    const response = (await call('produce', [5_000])) as Response;
    const chunks = response.body[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await chunks.next();
    await sleep(400);
    assert.ok(produced.count <= WINDOW + 3, `producer ran ahead: ${produced.count} produced, 3 read`);
    assert.ok(produced.count >= 3);
    await chunks.return?.();
  });

  it('a reader that stops early stops the producer', async () => {
    const response = (await call('produce', [100_000])) as Response;
    for await (const chunk of response.body) {
      assert.equal(new TextDecoder().decode(chunk), '0\n');
      break;
    }
    for (let i = 0; i < 50 && !produced.closed; i++) await sleep(20);
    assert.equal(produced.closed, true, 'the producing generator was not closed');
    assert.ok(produced.count < 100);
  });

  it('a producer failure reaches the reader as StreamBrokenError with the reason', async () => {
    const response = (await call('produce', [100, 40])) as Response;
    await assert.rejects(collect(response.body), (error: unknown) => {
      assert.ok(error instanceof StreamBrokenError, String(error));
      assert.equal(error.reason, 'failed');
      assert.match(error.message, /producer failed at 40/);
      return true;
    });
  });

  it('a body is read once', async () => {
    const response = (await call('produce', [3])) as Response;
    assert.equal((await collect(response.body)).toString(), '0\n1\n2\n');
    assert.throws(() => response.body[Symbol.asyncIterator](), StreamBrokenError);
  });

  it('an argument stream nobody reads is released after the idle time, and closed', async () => {
    let closed = false;
    async function* unread(): AsyncGenerator<Uint8Array> {
      try {
        yield new Uint8Array([1]);
      } finally {
        closed = true;
      }
    }
    assert.equal(await call('ignore', [unread()], 1_000), 'ignored');
    assert.equal(exporterFor(client, LATTICE).open, 1);
    for (let i = 0; i < 40 && exporterFor(client, LATTICE).open > 0; i++) await sleep(100);
    assert.equal(exporterFor(client, LATTICE).open, 0);
    // The generator never started, so `return` completes it without running its body.
    assert.equal(closed, false);
  });

  it('a call that fails forgets the streams it exported', async () => {
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1]);
    }
    await assert.rejects(invoke(client, LATTICE, { target: 'nobody', interface: IFACE, function: 'digest', args: [body()], source: 'test' }), /not running/);
    assert.equal(exporterFor(client, LATTICE).open, 0);
  });
});

describe('byte streams when the producer goes away', () => {
  it('the reader fails within the idle time instead of hanging', { timeout: 20_000 }, async () => {
    const server = await NatsServer.start();
    const [client, host] = await Promise.all([connect({ servers: server.url }), connect({ servers: server.url })]);
    try {
      const target = await serveTarget(host, LATTICE, 'endless', () => {
        async function* endless(): AsyncGenerator<Uint8Array> {
          for (;;) {
            await sleep(50);
            yield new Uint8Array([42]);
          }
        }
        return { status: 200, body: endless() };
      });
      const response = (await invoke(client, LATTICE, {
        target: 'endless',
        interface: IFACE,
        function: 'run',
        args: [],
        source: 'test',
        deadlineMs: 1_500,
      })) as Response;
      const reading = collect(response.body);
      await sleep(200);
      void target.stop();
      await host.close(); // the producing connection is gone: no more data, no keep-alives
      // A hang would end at the test's timeout instead: the reader must fail on its own.
      await assert.rejects(reading, (error: unknown) => {
        assert.ok(error instanceof StreamBrokenError, String(error));
        assert.ok(['gone', 'stalled'].includes(error.reason), error.reason);
        return true;
      });
    } finally {
      await client.close();
      await server.dispose();
    }
  });
});
