import { spawn } from 'node:child_process';
import type { Labels } from '../../../protocol/mod.js';
import { CLI_MAIN, HostProcess, type ExitStatus } from '../hosts.js';

/** How the `node` running the CLI is started: plain, under qemu, inside a network namespace. */
export interface Launcher {
  command: string;
  /** Arguments before the CLI script (`-L sysroot node`, `netns exec ns node`). */
  prefix: string[];
  env?: NodeJS.ProcessEnv;
}

export const plainNode: Launcher = { command: process.execPath, prefix: [] };

export interface EdgeHostOptions {
  natsUrl: string;
  lattice?: string;
  name?: string;
  labels?: Labels;
  /** Further `lattice host` flags (`--js-domain hub`, `--max-memory 128`). */
  flags?: string[];
  env?: NodeJS.ProcessEnv;
  /** Default 20 s; under qemu a cold start takes tens of seconds. */
  startTimeoutMs?: number;
}

const STARTED_LINE = /^(N[A-Z2-7]{55}) (\S+) joined lattice/m;

/** Runs `lattice host` through `launcher` and resolves once it printed its id (it joined). */
export async function spawnEdgeHost(launcher: Launcher, opts: EdgeHostOptions): Promise<HostProcess> {
  const lattice = opts.lattice ?? 'default';
  const args = [...launcher.prefix, CLI_MAIN, '--nats-url', opts.natsUrl, '--lattice', lattice, 'host', ...(opts.flags ?? [])];
  if (opts.name) args.push('--name', opts.name);
  for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
  const child = spawn(launcher.command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...(launcher.env ?? process.env), NODE_TEST_CONTEXT: undefined, LATTICE_LOG: 'info', ...opts.env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8_000)));
  const exit = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const timeoutMs = opts.startTimeoutMs ?? 20_000;
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
  return new HostProcess(child, started[1] as string, started[2] as string, lattice, exit, () => stderr);
}
