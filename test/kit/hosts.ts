import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from 'nats';
import { startHost, type Host, type HostOptions } from '../../host/mod.js';
import type { HostHeartbeat, Labels } from '../../protocol/mod.js';
import { EventRecorder } from './events.js';
import { TEST_SECRETS_KEY, TEST_SECRETS_KEY_ENV } from './secrets.js';

/** The compiled CLI: child-process hosts run exactly what `lattice host` runs. */
export const CLI_MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export type TestHostOptions = Omit<HostOptions, 'natsSettings' | 'nats'> & { nats?: NatsConnection };

/**
 * Starts a host in this process against `natsUrl`. Environment labels are off unless asked for,
 * so the developer's LATTICE_LABEL_* variables cannot change a test's outcome; the secrets key
 * is the test run's own.
 */
export function startTestHost(natsUrl: string, opts: TestHostOptions = {}): Promise<Host> {
  return startHost({ labelEnv: false, secretsKey: TEST_SECRETS_KEY, ...opts, natsSettings: { url: natsUrl } });
}

/** Starts `count` in-process hosts; `perHost(i)` gives each its own options (labels, name). */
export async function startTestHosts(natsUrl: string, count: number, perHost: (index: number) => TestHostOptions = () => ({})): Promise<Host[]> {
  const hosts: Host[] = [];
  try {
    for (let i = 0; i < count; i++) hosts.push(await startTestHost(natsUrl, perHost(i)));
  } catch (error) {
    await stopHosts(hosts);
    throw error;
  }
  return hosts;
}

/** Stops hosts quickly (short drain deadline); for test clean-up. */
export async function stopHosts(hosts: Host[], timeoutMs = 2_000): Promise<void> {
  await Promise.all(hosts.map((h) => h.stop({ timeoutMs, reason: 'test finished' })));
}

export interface HostProcessOptions {
  lattice?: string;
  name?: string;
  labels?: Labels;
  heartbeatIntervalMs?: number;
  stopTimeoutMs?: number;
  /** Extra environment (LATTICE_LABEL_*, LATTICE_LOG...). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the host to print its id (default 20 s: a cold Node start on a busy machine). */
  startTimeoutMs?: number;
  /** The node binary (default: the one running this process), e.g. a Node 24 for the benchmarks. */
  node?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A `lattice host` child process. */
export class HostProcess {
  constructor(
    readonly child: ChildProcess,
    readonly hostId: string,
    readonly friendlyName: string,
    readonly lattice: string,
    private readonly exit: Promise<ExitStatus>,
    /** The last 8 KB the process wrote to stderr (its pino log), for failure messages. */
    readonly stderr: () => string,
  ) {}

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.child.kill(signal);
  }

  /** Resolves with the exit code and signal; rejects after `timeoutMs` (then the process is killed). */
  async waitForExit(timeoutMs = 20_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill('SIGKILL');
        reject(new Error(`host process ${this.pid} did not exit within ${timeoutMs} ms; stderr:\n${this.stderr()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The host's next heartbeat as seen on `nc` (its first one when called right after start). */
  async waitForHeartbeat(nc: NatsConnection, timeoutMs = 10_000): Promise<HostHeartbeat> {
    const recorder = await EventRecorder.start(nc, this.lattice);
    try {
      return (await recorder.waitFor('host_heartbeat', { source: this.hostId, timeoutMs })).data;
    } finally {
      recorder.stop();
    }
  }

  /** Kills the process if it still runs and waits for it; safe to call twice. */
  async dispose(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exit;
  }
}

const STARTED_LINE = /^(N[A-Z2-7]{55}) (\S+) joined lattice/m;

/**
 * Runs `node dist/cli/main.js host ...` against `natsUrl` and resolves once it printed its id
 * (it has joined the lattice and announced itself by then).
 */
export function spawnHostProcess(natsUrl: string, opts: HostProcessOptions = {}): Promise<HostProcess> {
  const lattice = opts.lattice ?? 'default';
  const args = [CLI_MAIN, '--nats-url', natsUrl, '--lattice', lattice, 'host'];
  if (opts.name) args.push('--name', opts.name);
  if (opts.heartbeatIntervalMs) args.push('--heartbeat-interval', String(opts.heartbeatIntervalMs));
  if (opts.stopTimeoutMs) args.push('--stop-timeout', String(opts.stopTimeoutMs));
  for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
  return launchHostProcess({ command: opts.node ?? process.execPath, args, baseEnv: process.env, env: opts.env, lattice, startTimeoutMs: opts.startTimeoutMs });
}

/**
 * Starts a `lattice host` command line (plain node, under qemu, in a network namespace) and
 * resolves once it printed its id. The child logs at info into a kept stderr tail (for failure
 * messages) and uses the test run's secrets key, never the developer's.
 */
export async function launchHostProcess(launch: {
  command: string;
  args: string[];
  baseEnv: NodeJS.ProcessEnv;
  env?: NodeJS.ProcessEnv;
  lattice: string;
  startTimeoutMs?: number;
}): Promise<HostProcess> {
  const child = spawn(launch.command, launch.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...launch.baseEnv, NODE_TEST_CONTEXT: undefined, LATTICE_LOG: 'info', ...TEST_SECRETS_KEY_ENV, ...launch.env },
  });
  const timeoutMs = launch.startTimeoutMs ?? 20_000;
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8_000)));
  const exit = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const started = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`host process did not start within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = STARTED_LINE.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    void exit.then((status) => {
      clearTimeout(timer);
      reject(new Error(`host process exited during start (${JSON.stringify(status)}); stderr:\n${stderr}`));
    });
  });
  return new HostProcess(child, started[1] as string, started[2] as string, launch.lattice, exit, () => stderr);
}

/**
 * Options for a host without the component runtime and provider supervisor: for tests of the
 * core host's own extension points (they register their own control handlers).
 */
export const CORE_ONLY = { runtime: false, providers: false } as const satisfies TestHostOptions;
