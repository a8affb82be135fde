import type { Labels } from '../../../protocol/mod.js';
import { CLI_MAIN, launchHostProcess, type HostProcess } from '../hosts.js';

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

/** Runs `lattice host` through `launcher` and resolves once it printed its id (it joined). */
export function spawnEdgeHost(launcher: Launcher, opts: EdgeHostOptions): Promise<HostProcess> {
  const lattice = opts.lattice ?? 'default';
  const args = [...launcher.prefix, CLI_MAIN, '--nats-url', opts.natsUrl, '--lattice', lattice, 'host', ...(opts.flags ?? [])];
  if (opts.name) args.push('--name', opts.name);
  for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
  return launchHostProcess({
    command: launcher.command,
    args,
    baseEnv: launcher.env ?? process.env,
    env: opts.env,
    lattice,
    startTimeoutMs: opts.startTimeoutMs,
  });
}
