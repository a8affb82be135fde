/**
 * Profiling driver for the kv-counter request path: one `lattice host` process serving the WAT
 * counter (worker ingress) with its keyvalue provider in the same host (`in`) or on a second
 * `lattice host` process reached over NATS (`remote`), under autocannon in a process of its own.
 * Prints req/s and the CPU per request of each host process (from /proc/PID/stat), so a change on
 * the request path can be compared A/B without the whole suite.
 *
 *   node dist/bench/kv-path.js in|remote [seconds=6] [rounds=2]
 *
 * KV_NODE picks the node binary of both host processes (default: this one); KV_PROF_DIR runs them
 * under `--cpu-prof` into that directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { spawnHostProcess, type HostProcess } from '../test/kit/hosts.js';
import { benchFixture } from './suite/examples.js';
import { BenchLattice } from './suite/lattice.js';
import { autocannon } from './suite/load.js';

const mode = process.argv[2] === 'remote' ? 'remote' : 'in';
const seconds = Number(process.argv[3] ?? 6);
const rounds = Number(process.argv[4] ?? 2);
const node = process.env.KV_NODE || process.execPath;
const profDir = process.env.KV_PROF_DIR;

/** User + system CPU of a process so far, in microseconds. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat (12 and 13 after the command name).
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/** CPU microseconds so far of each thread of a process, by thread id and name. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${name}#${tid}`, ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Write and read syscalls of a process so far (all its threads). */
function syscalls(pid: number): [number, number] {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const get = (k: string): number => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(io)?.[1] ?? 0);
  return [get('syscw'), get('syscr')];
}

const lattice = await BenchLattice.start();
try {
  const env = { LATTICE_LOG: 'warn', ...(profDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` } : {}) };
  const spawn = async (name: string): Promise<HostProcess> => {
    const h = await spawnHostProcess(lattice.server.url, { name, node, env });
    lattice.onStop(async () => {
      // SIGTERM lets a profiled process write its profile.
      h.kill('SIGTERM');
      await h.waitForExit(20_000).catch(() => h.dispose());
    });
    return h;
  };
  const host = await spawn('kv-serving');
  const provHost = mode === 'remote' ? await spawn('kv-provider') : host;
  const { ctl } = lattice;
  await ctl.startProvider(host.hostId, { provider_id: 'http', provider_ref: 'wasmcloud+builtin://http-server' }, { timeoutMs: 30_000 });
  await ctl.startProvider(provHost.hostId, { provider_id: 'kv', provider_ref: 'wasmcloud+builtin://keyvalue' }, { timeoutMs: 30_000 });
  const image = await benchFixture('kv-counter');
  await ctl.scaleComponent(
    host.hostId,
    { component_id: 'wat', image_ref: image, count: 100, annotations: { 'lattice.dev/instance-reuse': 'true' } },
    { timeoutMs: 120_000 },
  );
  await ctl.putLink({ source_id: 'wat', target: 'kv', wit_namespace: 'wasi', wit_package: 'keyvalue', interfaces: ['store', 'atomics'], target_config: [] });
  const url = await lattice.route('http', 'wat', '/visits');
  await autocannon(url, 50, 2);
  for (let i = 0; i < rounds; i++) {
    const pids = [...new Set([host.pid, provHost.pid])];
    const before = pids.map(cpuUs);
    const ioBefore = pids.map(syscalls);
    const threadsBefore = pids.map(threadCpu);
    const r = await autocannon(url, 50, seconds);
    const used = pids.map((p, j) => cpuUs(p) - before[j]!);
    const io = pids.map((p, j) => syscalls(p).map((n, k) => n - ioBefore[j]![k]!));
    const requests = r.rps * seconds;
    const perReq = used.map((u) => (u / requests).toFixed(0)).join(' / ');
    const threads = pids.map((p, j) =>
      [...threadCpu(p)]
        .map(([t, us]): [string, number] => [t, (us - (threadsBefore[j]!.get(t) ?? 0)) / requests])
        .filter(([, us]) => us >= 5)
        .map(([t, us]) => `${t.split('#')[0]} ${us.toFixed(0)}`)
        .join(', '),
    );
    const perIo = io.map(([w, rd]) => `${(w! / requests).toFixed(2)}w ${(rd! / requests).toFixed(2)}r`).join(' / ');
    console.log(
      `${mode} round ${i + 1}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms} ms, failures ${r.failures}, host CPU us/req ${perReq}, syscalls/req ${perIo}`,
    );
    console.log(`  threads us/req: ${threads.join(' | ')}`);
  }
} finally {
  await lattice.stop();
}
