/** Child processes measured from outside: RSS from /proc, and a bare Node process as a baseline. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Resident set size of `pid` in MiB (Linux /proc; the whole process, worker threads included). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

/** A bare `node` process that prints a line and idles: spawn-to-ready time and its process. */
export function bareNode(): Promise<{ child: ChildProcess; readyMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['-e', "setInterval(() => {}, 1000); console.log('ready')"], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout.once('data', () => resolve({ child, readyMs: Date.now() - t0 }));
  });
}
