import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import type { Layout } from './data-dir.js';

/** True when a process with this pid exists (signal 0 probes without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(dirs: Layout, name: string): number | null {
  const file = dirs.pidFile(name);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** The pid of a process `up` started and that still runs, else null (stale files are removed). */
export function runningPid(dirs: Layout, name: string): number | null {
  const pid = readPid(dirs, name);
  if (pid === null) return null;
  if (isAlive(pid)) return pid;
  rmSync(dirs.pidFile(name), { force: true });
  return null;
}

export interface Started {
  name: string;
  pid: number;
  log: string;
  exited: () => number | null;
}

/**
 * Starts a child with its output appended to `logs/<name>.log` and records its pid. Detached
 * children outlive the CLI (for `up --detach`); attached ones are stopped with it.
 */
export function startProcess(dirs: Layout, name: string, command: string, args: string[], detach: boolean): Started {
  mkdirSync(dirs.logs, { recursive: true });
  mkdirSync(dirs.pids, { recursive: true });
  const log = dirs.logFile(name);
  const fd = openSync(log, 'a');
  const child = spawn(command, args, { detached: detach, stdio: ['ignore', fd, fd], env: process.env });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  let code: number | null = null;
  child.on('exit', (c, signal) => {
    code = c ?? (signal ? 128 : 1);
  });
  if (detach) child.unref();
  writeFileSync(dirs.pidFile(name), `${child.pid}\n`);
  return { name, pid: child.pid, log, exited: () => code };
}

/** Signals a process and waits for it to go, escalating to SIGKILL after `graceMs`. */
export async function stopPid(pid: number, signal: NodeJS.Signals, graceMs = 10_000): Promise<'stopped' | 'killed' | 'gone'> {
  if (!isAlive(pid)) return 'gone';
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(pid, 'SIGKILL');
  return 'killed';
}

export function binaryAvailable(bin: string): boolean {
  return spawnSync(bin, ['--version'], { encoding: 'utf8' }).status === 0;
}

export function lastLines(file: string, count = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '';
  }
}
