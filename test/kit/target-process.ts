/**
 * A child process serving one invocation target, for tests that kill its host: run as
 * `node dist/test/kit/target-process.js NATS_URL LATTICE TARGET`. Functions of
 * `lattice:test/probe`: `echo(x)` answers x; `hang()` never answers. Each call is announced on
 * stdout (`call <function>`) once its handler runs, so a test knows the call reached it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectLongLived } from '../../lib/nats-connection.js';
import { createLogger } from '../../lib/logger.js';
import { serveTarget } from '../../protocol/mod.js';

export const PROBE = 'lattice:test/probe@0.1.0';

const SELF = fileURLToPath(import.meta.url);

/** A running target process: its stdout lines, and a way to wait for one. */
export class TargetProcess {
  private lines: string[] = [];
  private waiters: Array<() => void> = [];
  readonly exited: Promise<void>;

  private constructor(readonly child: ReturnType<typeof spawn>) {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(natsUrl: string, lattice: string, target: string): Promise<TargetProcess> {
    const child = spawn(process.execPath, [SELF, natsUrl, lattice, target], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_TEST_CONTEXT: undefined },
    });
    const proc = new TargetProcess(child);
    await proc.line('ready');
    return proc;
  }

  /** Resolves once the process printed `text` (a whole line). */
  async line(text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.includes(text)) {
      if (Date.now() > deadline) throw new Error(`target process did not print "${text}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

async function main(): Promise<void> {
  const [url, lattice, target] = process.argv.slice(2) as [string, string, string];
  const log = createLogger({ component: 'target-process' });
  const nc = await connectLongLived({ url }, `target-${target}`, log);
  await serveTarget(nc, lattice, target, async (call) => {
    process.stdout.write(`call ${call.function}\n`);
    if (call.function === 'hang') return new Promise(() => {});
    return call.args[0];
  });
  process.stdout.write('ready\n');
}

if (process.argv[1] === SELF) void main();
