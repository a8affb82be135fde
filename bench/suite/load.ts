/**
 * HTTP load from autocannon, run as a separate process so the generator does not share an event
 * loop with the server under test. Targets are measured in alternating rounds (A B C A B C ...)
 * so that drift on a shared machine hits every target alike; the report takes the median round.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { median } from './types.js';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx responses, connection errors and timeouts. */
  failures: number;
}

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { p50: number; p99: number };
}

/** One autocannon run of `seconds` at `connections` against `url`. */
export function autocannon(url: string, connections: number, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AUTOCANNON, '-c', String(connections), '-d', String(seconds), '-j', url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      try {
        const j = JSON.parse(out) as AutocannonJson;
        resolve({
          rps: j['2xx'] / j.duration,
          p50Ms: j.latency.p50,
          p99Ms: j.latency.p99,
          failures: j.non2xx + j.errors + j.timeouts,
        });
      } catch (error) {
        reject(new Error(`autocannon exited ${code} without a JSON report: ${err}`, { cause: error }));
      }
    });
  });
}

export interface Target {
  label: string;
  url: string;
}

export interface AlternatingOptions {
  connections: number;
  /** Seconds per run. */
  seconds: number;
  rounds: number;
  /** Seconds of warm-up per target before the first round (JIT, pools, connections). */
  warmupSeconds: number;
  log(message: string): void;
}

/** Median over rounds of each target's req/s, p50 and p99; failures are summed. */
export async function alternate(targets: Target[], opts: AlternatingOptions): Promise<Map<string, LoadResult>> {
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.label, []]));
  for (const t of targets) if (opts.warmupSeconds > 0) await autocannon(t.url, opts.connections, opts.warmupSeconds);
  for (let round = 0; round < opts.rounds; round++) {
    // Rotate the start so no target always runs right after the same neighbour.
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + round) % targets.length]!;
      const r = await autocannon(t.url, opts.connections, opts.seconds);
      opts.log(
        `  round ${round + 1}/${opts.rounds} ${t.label}: ${Math.round(r.rps)} req/s p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms${r.failures ? ` failures ${r.failures}` : ''}`,
      );
      runs.get(t.label)!.push(r);
    }
  }
  const out = new Map<string, LoadResult>();
  for (const [label, rs] of runs) {
    out.set(label, {
      rps: median(rs.map((r) => r.rps)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      failures: rs.reduce((n, r) => n + r.failures, 0),
    });
  }
  return out;
}
