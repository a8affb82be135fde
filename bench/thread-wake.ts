/**
 * What it costs to wake a thread: the floor under every host call a guest makes and under every
 * hand-over between the main thread and a worker (docs/performance.md, "Transport").
 *   npm run build && node dist/bench/thread-wake.js [N]
 * A worker asks, the main thread answers through shared memory, N times in a row; the worker
 * blocks in `Atomics.wait` for each answer. Two ways for the worker to wake a main thread that
 * sleeps in its event loop, measured alternately: a `postMessage`, or `Atomics.notify` on a word
 * the main thread awaits with `Atomics.waitAsync`. Printed: wall time and CPU (both threads) per
 * round trip.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

type Mode = 'postMessage' | 'waitAsync';
const N = Number(process.argv[2] ?? 20_000);
const REQUEST = 0;
const REPLY = 1;

/** ES2024's Atomics.waitAsync (in V8 since Node 16; this project's TypeScript lib is ES2023). */
const AtomicsAsync = Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
};

async function measure(mode: Mode): Promise<{ wallUs: number; cpuUs: number }> {
  const shared = new SharedArrayBuffer(8);
  const words = new Int32Array(shared);
  const worker = new Worker(new URL(import.meta.url), { workerData: { shared, mode, n: N } });
  let answered = 0;
  const answer = (): void => {
    const asked = Atomics.load(words, REQUEST);
    if (asked <= answered) return;
    answered = asked;
    Atomics.store(words, REPLY, asked);
    Atomics.notify(words, REPLY);
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    worker.on('message', (message: string) => (message === 'done' ? resolve() : answer()));
    if (mode === 'waitAsync') {
      const sleep = (): void => {
        const waited = AtomicsAsync.waitAsync(words, REQUEST, answered);
        const next = (): void => {
          answer();
          if (answered < N) sleep();
        };
        if (waited.async) void waited.value.then(next);
        else next();
      };
      sleep();
    }
  });
  const used = process.cpuUsage(cpu);
  const wallUs = ((performance.now() - started) * 1000) / N;
  await worker.terminate();
  return { wallUs, cpuUs: (used.user + used.system) / N };
}

function ask(): void {
  const { shared, mode, n } = workerData as { shared: SharedArrayBuffer; mode: Mode; n: number };
  const words = new Int32Array(shared);
  for (let i = 1; i <= n; i++) {
    Atomics.store(words, REQUEST, i);
    if (mode === 'postMessage') parentPort!.postMessage('wake');
    else Atomics.notify(words, REQUEST);
    while (Atomics.load(words, REPLY) !== i) Atomics.wait(words, REPLY, i - 1, 1_000);
  }
  parentPort!.postMessage('done');
}

async function main(): Promise<void> {
  const results: Record<Mode, Array<{ wallUs: number; cpuUs: number }>> = { postMessage: [], waitAsync: [] };
  for (let round = 0; round < 3; round++) for (const mode of ['postMessage', 'waitAsync'] as const) results[mode].push(await measure(mode));
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  process.stdout.write(`thread wake round trips (${N} per round, 3 alternating rounds, median), Node ${process.version}\n`);
  process.stdout.write('| wake of the main thread | wall us per round trip | CPU us per round trip (both threads) |\n| --- | ---: | ---: |\n');
  for (const mode of ['postMessage', 'waitAsync'] as const) {
    const rows = results[mode];
    process.stdout.write(`| ${mode} | ${median(rows.map((r) => r.wallUs)).toFixed(1)} | ${median(rows.map((r) => r.cpuUs)).toFixed(1)} |\n`);
  }
}

if (isMainThread) await main();
else ask();
