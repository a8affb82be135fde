/**
 * Driver for profiling the whole HTTP path of a host (http-server builtin, worker ingress, the
 * component, the answer) under autocannon load: one host in this process, one component, 50
 * connections for 10 s. `wat` and `js` serve the hello components; `kv` the WAT kv-counter
 * (bench/fixtures) with the keyvalue builtin in the same host, one increment per request.
 * Profile every thread with:
 *   npm run build && node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/profile-host-http.js [wat|js|kv] [fresh|reuse]
 */
import { autocannon } from './suite/load.js';
import { BenchLattice } from './suite/lattice.js';
import { benchFixture, exampleImage, watImage } from './suite/examples.js';

const what = process.argv[2] ?? 'wat';
const reuse = process.argv[3] === 'reuse';
process.env.LATTICE_LOG ??= 'warn';

const lattice = await BenchLattice.start();
try {
  const host = await lattice.host();
  const { ctl } = lattice;
  await ctl.startProvider(host.id, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server' }, { timeoutMs: 30_000 });
  const image = what === 'js' ? await exampleImage('http-hello') : what === 'kv' ? await benchFixture('kv-counter') : await watImage('http-hello');
  const annotations: Record<string, string> = reuse ? { 'lattice.dev/instance-reuse': 'true' } : {};
  await ctl.scaleComponent(host.id, { component_id: 'hello', image_ref: image, count: 100, annotations }, { timeoutMs: 120_000 });
  if (what === 'kv') {
    await ctl.startProvider(host.id, { provider_id: 'kv', provider_ref: 'wasmcloud+builtin://keyvalue' }, { timeoutMs: 30_000 });
    await ctl.putLink({ source_id: 'hello', target: 'kv', wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store', 'atomics'] });
  }
  const url = await lattice.route('http', 'hello', what === 'kv' ? '/visits' : '/bench');
  await autocannon(url, 50, 2);
  const result = await autocannon(url, 50, 10);
  process.stdout.write(
    `${what} (${reuse ? 'instance reuse' : 'fresh instance'}) on Node ${process.versions.node}: ${Math.round(result.rps)} req/s, p99 ${result.p99Ms} ms\n`,
  );
} finally {
  await lattice.stop();
}
