import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { invoke, maxChunkSize, serveTarget, type TargetServer } from '../../protocol/mod.js';
import { NatsServer } from '../kit/nats-server.js';

const LATTICE = 'chunk-test';

describe('invocation chunking on a server with a 64 KiB max payload', () => {
  let server: NatsServer;
  let client: NatsConnection;
  let host: NatsConnection;
  let target: TargetServer;

  before(async () => {
    // The later max_payload line overrides the testkit's 1MB default.
    server = await NatsServer.start({ extraConfig: 'max_payload: 65536' });
    [client, host] = await Promise.all([connect({ servers: server.url }), connect({ servers: server.url })]);
    target = await serveTarget(host, LATTICE, 'digest', (call) => {
      const input = call.args[0] as Uint8Array;
      const tag = call.args[1] as number;
      // Answer with a large value derived from the input, so both directions are chunked.
      const out = new Uint8Array(input.length + 1);
      out.set(input, 1);
      out[0] = tag;
      return out;
    });
  });

  after(async () => {
    await target?.stop();
    await Promise.all([client?.close(), host?.close()]);
    await server?.dispose();
  });

  it('uses the server-reported max payload', () => {
    assert.equal(client.info?.max_payload, 65536);
    assert.ok(maxChunkSize(client) < 65536);
  });

  it('keeps concurrent chunked calls apart, both ways', async () => {
    const inputs = Array.from({ length: 6 }, (_, i) => new Uint8Array(randomBytes(200_000 + i * 10_000)));
    const results = await Promise.all(
      inputs.map((input, i) =>
        invoke(client, LATTICE, {
          target: 'digest',
          interface: 'lattice:test/digest',
          function: 'wrap',
          args: [input, i],
          source: 't',
        }),
      ),
    );
    results.forEach((result, i) => {
      const out = result as Uint8Array;
      assert.equal(out[0], i);
      assert.deepStrictEqual(Buffer.from(out.subarray(1)), Buffer.from(inputs[i]));
    });
  });
});
