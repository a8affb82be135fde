import type { Command } from 'commander';
import { rmSync } from 'node:fs';
import { dataDir, layout } from '../local/data-dir.js';
import { runningPid, stopPid } from '../local/processes.js';

/** Stops what `lattice up` started, newest first, by the pids it recorded. */
export function register(program: Command): void {
  program
    .command('down')
    .description('stop the processes `lattice up` started')
    .option('--data-dir <dir>', 'the data dir `up` used (env LATTICE_DATA_DIR, default ~/.lattice)')
    .action(async (flags: { dataDir?: string }) => {
      const dirs = layout(dataDir(flags.dataDir));
      let stopped = 0;
      // nats-server exits 0 on SIGINT (SIGTERM makes it exit 1).
      for (const [name, signal] of [
        ['wadm', 'SIGTERM'],
        ['host', 'SIGTERM'],
        ['nats', 'SIGINT'],
      ] as const) {
        const pid = runningPid(dirs, name);
        if (pid === null) continue;
        const how = await stopPid(pid, signal);
        rmSync(dirs.pidFile(name), { force: true });
        process.stdout.write(`${name} (pid ${pid}) ${how}\n`);
        stopped++;
      }
      if (stopped === 0) process.stdout.write('nothing to stop\n');
    });
}
