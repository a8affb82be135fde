/**
 * Scheduler: deploy of 100 instances over 5 hosts to all running, and SIGKILL of a host to its
 * share running elsewhere. The measurement itself is bench/wadm-deploy.ts (owned by wadm); this
 * wraps it as a child process (1 run in smoke mode, 3 otherwise) and carries its lines into the table.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Benchmark, Section } from './types.js';

const SCRIPT = fileURLToPath(new URL('../wadm-deploy.js', import.meta.url));

function run(args: string[], timeoutS: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

export const scheduler: Benchmark = {
  name: 'scheduler',
  summary: 'wadm: 100 instances over 5 hosts to running; host SIGKILL to rescheduled (bench/wadm-deploy.ts)',
  timeoutS: 400,
  async run(ctx) {
    const section: Section = {
      title: 'scheduler (wadm): deploy 100 instances over 5 hosts; SIGKILL a host',
      columns: ['measure', 'result'],
      rows: [],
      notes: [],
    };
    if (!existsSync(SCRIPT)) {
      section.rows.push(['deploy to all running; host kill to serving again', 'not measured: bench/wadm-deploy.ts does not exist yet']);
      return [section];
    }
    // Its argument is the number of deploy runs.
    const result = await run([ctx.smoke ? '1' : '3'], ctx.smoke ? 110 : 380);
    if (result.code !== 0) throw new Error(`bench/wadm-deploy exited ${result.code}: ${result.err.trim().split('\n').slice(-3).join(' / ')}`);
    // Its lines read "what was measured: figures"; anything else is carried as a note.
    for (const line of result.out.trim().split('\n')) {
      const at = line.lastIndexOf(': ');
      if (at > 0) section.rows.push([line.slice(0, at), line.slice(at + 2)]);
      else if (line.trim()) section.notes.push(line.trim());
    }
    section.notes.push(
      'Measured by bench/wadm-deploy.ts: one nats-server, 5 hosts (3 in-process, 2 child processes), wadm in-process; "running" = the hosts\' inventories show the instances. Deploy runs after the first reuse the transpile cache.',
    );
    return [section];
  },
};
