import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { freePort } from './ports.js';
import { refuseInUnitRun } from './unit-run.js';

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export function redisServerAvailable(): boolean {
  return spawnSync(REDIS_SERVER_BIN, ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * A real redis-server on a free loopback port with persistence off, so a test run leaves nothing
 * on disk and never touches the machine's shared Redis on 6379.
 */
export class RedisServer {
  private exited: Promise<void>;
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `password`: the server requires it (`requirepass`). */
  static async start(options: { password?: string } = {}): Promise<RedisServer> {
    refuseInUnitRun('a redis-server');
    if (!redisServerAvailable()) {
      throw new Error(`redis-server not found (looked for "${REDIS_SERVER_BIN}"). Install it: apt-get install -y redis-server`);
    }
    const port = await freePort();
    const child = spawn(
      REDIS_SERVER_BIN,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory',
        '128mb',
        ...(options.password ? ['--requirepass', options.password] : []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const server = new RedisServer(port, child);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited at start: ${stderr}`);
      if (await canConnect(port)) return server;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not listen on ${port} within 10 s: ${stderr}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
