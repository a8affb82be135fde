/**
 * The benchmark suite: `npm run bench` runs every benchmark, `npm run bench -- NAME...` some of
 * them, `--smoke` runs each with tiny durations (CI: proves each still executes, asserts no
 * timing), `--list` names them. Progress goes to stderr; stdout is a markdown report that can be
 * pasted into docs/performance.md.
 */
import { machineLines, loadAverage } from './suite/machine.js';
import { renderSection } from './suite/markdown.js';
import type { Benchmark, Section } from './suite/types.js';
import { httpHello } from './suite/http-hello.js';
import { kvCounter } from './suite/kv-counter.js';
import { coldStart } from './suite/cold-start.js';
import { invocation } from './suite/invocation.js';
import { density } from './suite/density.js';
import { scheduler } from './suite/scheduler.js';
import { footprint } from './suite/footprint.js';
import { httpStream } from './suite/http-stream.js';
import { soak } from './suite/soak.js';

const ALL: Benchmark[] = [httpHello, httpStream, kvCounter, coldStart, invocation, density, scheduler, footprint, soak];

function withTimeout<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main(argv: string[]): Promise<number> {
  // Hosts log at warn unless asked: per-request info lines (guest logs) written to stderr would
  // otherwise be a large share of what the HTTP benchmarks measure.
  process.env.LATTICE_LOG ??= 'warn';
  const smoke = argv.includes('--smoke');
  if (argv.includes('--list')) {
    for (const b of ALL) process.stdout.write(`${b.name.padEnd(12)} ${b.summary}\n`);
    return 0;
  }
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !ALL.some((b) => b.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${ALL.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const selected = names.length ? ALL.filter((b) => names.includes(b.name)) : ALL.filter((b) => smoke || !b.explicitOnly);
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const out: string[] = [
    `## Latest results${smoke ? ' (smoke run: tiny durations, numbers are meaningless)' : ''}`,
    '',
    `Run ${new Date().toISOString()}: \`npm run bench${smoke ? ' -- --smoke' : names.length ? ` -- ${names.join(' ')}` : ''}\``,
    '',
    ...machineLines(),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  const failed: string[] = [];
  for (const bench of selected) {
    const t0 = performance.now();
    log(`bench ${bench.name}: start (load ${loadAverage()})`);
    let sections: Section[];
    try {
      // Smoke runs are short: a hang there is a failure worth seeing fast.
      sections = await withTimeout(bench.run({ smoke, log }), smoke ? Math.min(bench.timeoutS, 120) : bench.timeoutS, bench.name);
    } catch (error) {
      failed.push(bench.name);
      log(`bench ${bench.name}: FAILED: ${(error as Error).stack ?? String(error)}`);
      sections = [{ title: bench.name, columns: ['error'], rows: [[String((error as Error).message ?? error).split('\n')[0]!]], notes: [] }];
    }
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    for (const section of sections) process.stdout.write(`${renderSection(section, `${seconds} s, load average after: ${loadAverage()}`)}\n`);
    log(`bench ${bench.name}: done in ${seconds} s`);
  }
  if (failed.length) log(`failed: ${failed.join(', ')}`);
  return failed.length ? 1 : 0;
}

// The only exit point: handles (a stuck worker, a socket) must not keep a finished run alive.
const code = await main(process.argv.slice(2));
process.exit(code);
