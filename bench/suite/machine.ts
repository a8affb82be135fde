/** What the numbers were measured on: printed at the top of every report. */
import { spawnSync } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

export function natsServerVersion(): string {
  const out = spawnSync(process.env.NATS_SERVER_BIN ?? 'nats-server', ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim().replace(/^nats-server:\s*/, '') : 'not found';
}

export function redisVersion(): string {
  const out = spawnSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? (/v=(\S+)/.exec(out.stdout)?.[1] ?? out.stdout.trim()) : 'not found';
}

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function machineLines(): string[] {
  const cpu = cpus();
  return [
    `- CPU: ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown'}`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free at start`,
    `- Node ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}`,
    `- nats-server ${natsServerVersion()}, redis-server ${redisVersion()}`,
    `- Load average at start (1/5/15 min): ${loadAverage()}`,
  ];
}
