/**
 * Per-hop overhead of the invocation protocol: N sequential empty invocations through a real
 * nats-server (loopback) against a direct function call and a bare `nc.request`, in the same run.
 *   npm run build && node dist/bench/invocation-hop.js [N]
 */
import { connect } from 'nats';
import { invoke, serveTarget } from '../protocol/mod.js';
import { NatsServer } from '../test/kit/nats-server.js';

const N = Number(process.argv[2] ?? 5_000);
const WARMUP = 500;

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { mean_us: +mean.toFixed(2), p50_us: +pick(0.5).toFixed(2), p99_us: +pick(0.99).toFixed(2) };
}

async function measure(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1_000);
  }
  return samples;
}

async function main() {
  const server = await NatsServer.start();
  const [caller, host] = await Promise.all([connect({ servers: server.url }), connect({ servers: server.url })]);
  try {
    const handler = async () => undefined;
    const target = await serveTarget(host, 'bench', 'empty', handler);
    const raw = host.subscribe('bench.raw', { callback: (_e, m) => m.respond(new Uint8Array(0)) });
    await host.flush();

    const direct = stats(await measure(() => handler()));
    const bare = stats(await measure(() => caller.request('bench.raw', new Uint8Array(0), { timeout: 5_000 })));
    const hop = stats(
      await measure(() =>
        invoke(caller, 'bench', {
          target: 'empty',
          interface: 'lattice:bench/empty@1.0.0',
          function: 'noop',
          args: [],
          source: 'bench',
        }),
      ),
    );
    const payload = new Uint8Array(64 * 1024);
    const hop64k = stats(
      await measure(() =>
        invoke(caller, 'bench', {
          target: 'empty',
          interface: 'lattice:bench/empty@1.0.0',
          function: 'noop',
          args: [payload],
          source: 'bench',
        }),
      ),
    );
    raw.unsubscribe();
    await target.stop();
    process.stdout.write(
      `${JSON.stringify(
        {
          n: N,
          node: process.version,
          direct_call: direct,
          bare_nats_request: bare,
          invoke_empty: hop,
          invoke_64KiB_arg: hop64k,
          protocol_overhead_over_bare_request_us: +(hop.p50_us - bare.p50_us).toFixed(2),
          hop_over_direct_ratio_p50: +(hop.p50_us / direct.p50_us).toFixed(0),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await Promise.all([caller.close(), host.close()]);
    await server.dispose();
  }
}

await main();
