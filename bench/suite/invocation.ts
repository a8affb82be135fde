/**
 * Invocation overhead: one export call through the worker bridge (fresh instance and reused
 * instance), one host-import round trip (relay minus echo), one NATS hop (the invocation protocol
 * and a bare request), against a direct JS function call; sampled in alternating blocks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { pino } from 'pino';
import { ComponentRuntime } from '../../runtime/mod.js';
import { invoke, serveTarget } from '../../protocol/mod.js';
import { NatsServer } from '../../test/kit/nats-server.js';
import { sample } from '../runtime-stats.js';
import { watImage } from './examples.js';
import { fmt, median, type Benchmark } from './types.js';

function pick(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const invocation: Benchmark = {
  name: 'invocation',
  summary: 'worker-bridge export call, host import round trip, NATS hop vs a direct JS call',
  timeoutS: 240,
  async run(ctx) {
    const cacheDir = await mkdtemp(join(tmpdir(), 'lattice-bench-inv-'));
    const runtime = new ComponentRuntime({
      cacheDir,
      poolSize: 2,
      logger: pino({ level: 'silent' }),
      importHandler: async (_id, _iface, _fn, args) => args[0],
    });
    const server = await NatsServer.start();
    const [caller, callee] = await Promise.all([connect({ servers: server.url }), connect({ servers: server.url })]);
    try {
      const echo = await watImage('echo');
      await runtime.scale({ componentId: 'echo', imageRef: echo, count: 4 });
      await runtime.scale({ componentId: 'echo-reuse', imageRef: echo, count: 4, annotations: { 'lattice.dev/instance-reuse': 'true' } });
      const handler = async (): Promise<undefined> => undefined;
      const target = await serveTarget(callee, 'bench', 'empty', handler);
      const raw = callee.subscribe('bench.raw', { callback: (_e, m) => m.respond(new Uint8Array(0)) });
      await callee.flush();
      const EMPTY = 'lattice:bench/empty@1.0.0';
      const cases: Array<[string, () => Promise<unknown>]> = [
        ['baseline: direct JS (async) function call', () => handler()],
        ['export call via worker bridge (fresh instance)', () => runtime.invoke('echo', 'lattice:fixtures/echo', 'echo', [''])],
        ['export call via worker bridge (instance reuse)', () => runtime.invoke('echo-reuse', 'lattice:fixtures/echo', 'echo', [''])],
        ['export call + 1 host import (instance reuse)', () => runtime.invoke('echo-reuse', 'lattice:fixtures/echo', 'relay', [''])],
        ['baseline: bare NATS request/reply', () => caller.request('bench.raw', new Uint8Array(0), { timeout: 5_000 })],
        [
          'NATS hop: lattice invocation protocol',
          () => invoke(caller, 'bench', { target: 'empty', interface: EMPTY, function: 'noop', args: [], source: 'bench' }),
        ],
      ];
      const rounds = ctx.smoke ? 1 : 5;
      const perBlock = ctx.smoke ? 20 : 1_000;
      const samples = new Map<string, number[]>(cases.map(([label]) => [label, []]));
      for (let r = 0; r < rounds; r++) {
        for (const [label, fn] of cases) samples.get(label)!.push(...(await sample(perBlock, ctx.smoke ? 5 : 200, fn)));
        ctx.log(`  round ${r + 1}/${rounds} done`);
      }
      raw.unsubscribe();
      await target.stop();
      const p50 = (label: string) => median(samples.get(label)!);
      const direct = p50(cases[0]![0]);
      const rows = cases.map(([label]) => {
        const s = [...samples.get(label)!].sort((a, b) => a - b);
        return [label, fmt(pick(s, 0.5), 2), fmt(pick(s, 0.99), 2), label === cases[0]![0] ? 'baseline' : `${fmt(pick(s, 0.5) / direct)}x`];
      });
      const importTrip = p50(cases[3]![0]) - p50(cases[2]![0]);
      const protocolOverhead = p50(cases[5]![0]) - p50(cases[4]![0]);
      rows.push(['derived: one host import round trip (relay - echo, reuse)', fmt(importTrip, 2), '', '']);
      rows.push(['derived: protocol overhead over a bare NATS request', fmt(protocolOverhead, 2), '', '']);
      return [
        {
          title: `invocation overhead (${rounds} alternating blocks of ${perBlock} sequential calls)`,
          columns: ['call', 'p50 us', 'p99 us', 'p50 vs direct call'],
          rows,
          notes: [
            'Component: the WAT echo fixture (echo returns its string argument; relay passes it through one host import answered on the main thread).',
            'NATS: a real nats-server on loopback, two connections in this process. Published anchor: NATS request/reply ~51 us RTT.',
          ],
        },
      ];
    } finally {
      await runtime.stop();
      await Promise.all([caller.close(), callee.close()]);
      await server.dispose();
      await rm(cacheDir, { recursive: true, force: true });
    }
  },
};
