/**
 * kv-counter: one wasi:keyvalue increment per request, through a WAT counter (bench/fixtures) and
 * the JS kv-counter example (fetch-event: a fresh instance per request). Backends: the keyvalue builtin in the same host
 * (memory), the same provider on another host (a `lattice host` child process) reached over
 * NATS, NATS JetStream KV, and Redis; baselines: bare Node + a Map and bare Node + Redis INCR.
 */
import { Redis } from 'ioredis';
import { RedisServer } from '../../test/kit/redis-server.js';
import { spawnHostProcess } from '../../test/kit/hosts.js';
import { alternate, type Target } from './load.js';
import { bareServer, BenchLattice } from './lattice.js';
import { benchFixture, exampleImage, loadSettings } from './examples.js';
import { bareNode24Server, node24, node24Host } from './node24.js';
import { fmt, pct, type Benchmark } from './types.js';

const BASE_MAP = 'bare Node + Map';
const BASE_REDIS = 'bare Node + Redis INCR';
const BASE_MAP_24 = 'bare Node 24 + Map';
const ON_24 = 'lattice on Node 24:';

/** The bare Node + Map handler below, as source for the Node 24 baseline's process. */
const MAP_HANDLER = `(req, res) => {
  const key = (req.url ?? '/').replace(/^\\/+|\\/+$/g, '') || 'default';
  const count = (counts.get(key) ?? 0) + 1;
  counts.set(key, count);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ key, count }));
}`;

export const kvCounter: Benchmark = {
  name: 'kv-counter',
  summary: 'one keyvalue increment per request: in-process, remote provider, NATS KV, Redis vs bare Node + Map / Redis',
  timeoutS: 600,
  async run(ctx) {
    const lattice = await BenchLattice.start();
    const newer = await node24();
    try {
      const redis = await RedisServer.start();
      lattice.onStop(() => redis.stop());
      const [wat, js] = await Promise.all([benchFixture('kv-counter'), exampleImage('kv-counter')]);
      const host = await lattice.host();
      const remote = await spawnHostProcess(lattice.server.url, { name: 'kv-remote-host', env: { LATTICE_LOG: process.env.LATTICE_LOG ?? 'warn' } });
      lattice.onStop(() => remote.dispose());
      const { ctl } = lattice;
      await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server' }, { timeoutMs: 30_000 });
      await ctl.startProvider(host.id, { provider_id: 'kv', provider_ref: 'wasmcloud+builtin://keyvalue' }, { timeoutMs: 30_000 });
      await ctl.startProvider(remote.hostId, { provider_id: 'kv-remote', provider_ref: 'wasmcloud+builtin://keyvalue' }, { timeoutMs: 30_000 });
      await ctl.putConfig('kv-nats', { backend: 'nats', bucket: 'bench-counters' });
      await ctl.putConfig('kv-redis', { backend: 'redis', URL: redis.url });
      // [label, component id, image, instance reuse, provider id, link target config]
      type Variant = [string, string, string, boolean, string, string[]];
      const targets: Target[] = [];
      /** Scales each variant on `hostId`, links it to its provider, routes it through `http`. */
      const place = async (hostId: string, http: string, variants: Variant[]): Promise<void> => {
        for (const [label, id, image, reuse, provider, targetConfig] of variants) {
          const annotations: Record<string, string> = reuse ? { 'lattice.dev/instance-reuse': 'true' } : {};
          await ctl.scaleComponent(hostId, { component_id: id, image_ref: image, count: 100, annotations }, { timeoutMs: 120_000 });
          await ctl.putLink({
            source_id: id,
            target: provider,
            wit_namespace: 'wasi',
            wit_package: 'keyvalue',
            interfaces: ['store', 'atomics'],
            target_config: targetConfig,
          });
          targets.push({ label, url: await lattice.route(http, id, '/visits') });
        }
      };
      await place(host.id, 'http', [
        ['lattice WAT: keyvalue in-process (memory)', 'wat-mem', wat, true, 'kv', []],
        ['lattice WAT: keyvalue on another host over NATS (memory)', 'wat-remote', wat, true, 'kv-remote', []],
        ['lattice WAT: keyvalue NATS KV backend', 'wat-nats', wat, true, 'kv', ['kv-nats']],
        ['lattice WAT: keyvalue Redis backend', 'wat-redis', wat, true, 'kv', ['kv-redis']],
        ['lattice JS kv-counter: keyvalue in-process (memory)', 'js-mem', js, false, 'kv', []],
        ['lattice JS kv-counter: keyvalue on another host over NATS (memory)', 'js-remote', js, false, 'kv-remote', []],
      ]);
      if (newer.path !== null) {
        const host24 = await node24Host(lattice, newer.path, 'http24');
        await ctl.startProvider(host24.hostId, { provider_id: 'kv24', provider_ref: 'wasmcloud+builtin://keyvalue' }, { timeoutMs: 30_000 });
        await place(host24.hostId, 'http24', [
          [`${ON_24} WAT, keyvalue in-process (memory)`, 'wat-mem-24', wat, true, 'kv24', []],
          [`${ON_24} WAT, keyvalue on another host over NATS (memory)`, 'wat-remote-24', wat, true, 'kv-remote', []],
          [`${ON_24} WAT, keyvalue Redis backend`, 'wat-redis-24', wat, true, 'kv24', ['kv-redis']],
          [`${ON_24} JS kv-counter, keyvalue in-process (memory)`, 'js-mem-24', js, false, 'kv24', []],
        ]);
        const map24 = await bareNode24Server(newer.path, 'const counts = new Map();', MAP_HANDLER);
        lattice.onStop(() => map24.close());
        targets.push({ label: BASE_MAP_24, url: map24.url('/visits') });
      }
      const counts = new Map<string, number>();
      const map = await bareServer((req, res) => {
        const key = (req.url ?? '/').replace(/^\/+|\/+$/g, '') || 'default';
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ key, count }));
      });
      lattice.onStop(() => map.close());
      const client = new Redis(redis.url);
      lattice.onStop(async () => client.disconnect());
      const viaRedis = await bareServer((req, res) => {
        const key = (req.url ?? '/').replace(/^\/+|\/+$/g, '') || 'default';
        client.incr(`bare:${key}`).then(
          (count) => {
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ key, count }));
          },
          () => {
            res.statusCode = 500;
            res.end();
          },
        );
      });
      lattice.onStop(() => viaRedis.close());
      targets.push({ label: BASE_MAP, url: map.url('/visits') }, { label: BASE_REDIS, url: viaRedis.url('/visits') });
      // Every path counts: a 500 (backend failure) would show as failures, not as throughput.
      for (const t of targets) {
        const res = await fetch(t.url);
        const text = await res.text();
        const count = /^\d+$/.test(text.trim()) ? Number(text) : (JSON.parse(text) as { count?: number }).count;
        if (res.status !== 200 || typeof count !== 'number') throw new Error(`${t.label} answered ${res.status} ${text}`);
      }

      const settings = loadSettings(ctx.smoke, ctx.log);
      const results = await alternate(targets, settings);
      const map0 = results.get(BASE_MAP)!;
      const redis0 = results.get(BASE_REDIS)!;
      const map24 = results.get(BASE_MAP_24);
      return [
        {
          title: `kv-counter (${settings.connections} connections, ${settings.rounds} x ${settings.seconds} s alternating rounds, median)`,
          columns: ['path', 'req/s', 'p50 ms', 'p99 ms', 'vs bare Node + Map', 'vs bare Node + Redis', 'failures'],
          rows: targets.map((t) => {
            const r = results.get(t.label)!;
            // Node 24 rows (and their baseline) against the bare Node 24 + Map of the same run.
            const mapBase = (t.label.startsWith(ON_24) || t.label === BASE_MAP_24) && map24 ? map24 : map0;
            return [t.label, fmt(r.rps), fmt(r.p50Ms), fmt(r.p99Ms), pct(r.rps, mapBase.rps), pct(r.rps, redis0.rps), r.failures];
          }),
          notes: [
            'WAT: bench/fixtures/kv-counter.wat (open + increment + decimal answer), with instance reuse so the keyvalue path is what differs between rows. JS: the kv-counter example (componentize-js, fetch-event style: one fresh StarlingMonkey instance per request, from the pre-instantiated pool).',
            "Each request: worker ingress -> guest -> wasi:keyvalue open + increment: the open answered in the worker from its copy of the handle (after the first), the increment a host call through the shared-memory rings to the host's main thread and its provider (over NATS for the remote host) -> response with the count.",
            newer.path !== null
              ? `"${ON_24}" rows: a \`lattice host\` process on Node ${newer.version.replace(/^v/, '')}, where a guest waiting on its provider is suspended (JSPI) and its worker serves other requests meanwhile; "vs bare Node + Map" is against ${BASE_MAP_24} (a process of its own, the same handler).`
              : `No Node 24 rows: ${newer.why}.`,
          ],
        },
      ];
    } finally {
      await lattice.stop();
    }
  },
};
