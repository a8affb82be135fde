import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { refuseInUnitRun } from './unit-run.js';

/** The binary the testkit runs; overridable for machines where it lives elsewhere. */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';

export function natsServerAvailable(): boolean {
  const probe = spawnSync(NATS_SERVER_BIN, ['--version'], { encoding: 'utf8' });
  return probe.status === 0;
}

export function requireNatsServer(): void {
  if (!natsServerAvailable()) {
    throw new Error(`nats-server not found (looked for "${NATS_SERVER_BIN}"). Install it: apt-get install -y nats-server`);
  }
}

export interface NatsServerOptions {
  /** JetStream domain (leaf topologies). */
  domain?: string;
  /** Extra config text appended verbatim (cluster, leafnodes...). */
  extraConfig?: string;
  port?: number;
  name?: string;
  /** Keep the store dir on stop (to restart with the same data). */
  storeDir?: string;
}

/**
 * A real nats-server with JetStream on a free loopback port and a temp store, bounded so that a
 * test run cannot take the machine's memory or disk (the server's defaults are 75% of both).
 */
export class NatsServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly configPath: string,
    private readonly ownsStore: boolean,
    readonly name: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    refuseInUnitRun('a nats-server');
    requireNatsServer();
    const port = options.port ?? (await freePort());
    const ownsStore = options.storeDir === undefined;
    const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'lattice-nats-')));
    const name = options.name ?? `test-${port}`;
    const configPath = join(storeDir, `server-${port}.conf`);
    const domain = options.domain ? `  domain: ${options.domain}\n` : '';
    await writeFile(
      configPath,
      [
        `server_name: ${name}`,
        `listen: 127.0.0.1:${port}`,
        'max_payload: 1MB',
        'jetstream {',
        `  store_dir: ${JSON.stringify(storeDir)}`,
        '  max_mem: 256MB',
        '  max_file: 1GB',
        domain,
        '}',
        options.extraConfig ?? '',
      ].join('\n'),
    );
    const server = new NatsServer(port, storeDir, configPath, ownsStore, name);
    await server.launch();
    return server;
  }

  private async launch(): Promise<void> {
    const child = spawn(NATS_SERVER_BIN, ['-c', this.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`nats-server exited at start: ${stderr}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    throw new Error(`nats-server did not listen on ${this.port} within 10 s: ${stderr}`);
  }

  /** Stops the server. SIGINT is the signal it exits 0 on. */
  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    this.child = null;
  }

  /** Kills the server abruptly (a crash, as far as clients can tell). */
  async kill(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    this.child = null;
  }

  /** Starts the server again on the same port with the same data, after `downMs` without it. */
  async restart(opts: { downMs?: number } = {}): Promise<void> {
    await this.stop();
    if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
    await this.launch();
  }

  /** Stops and removes the temp store. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsStore) await rm(this.storeDir, { recursive: true, force: true });
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

/** A 3-node cluster on loopback; each node has its own JetStream store. */
export async function startCluster(size = 3): Promise<NatsServer[]> {
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = clusterPorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
  const servers: NatsServer[] = [];
  try {
    for (let i = 0; i < size; i++) {
      servers.push(
        await NatsServer.start({
          name: `node-${i}`,
          extraConfig: `cluster {\n  name: lattice-test\n  listen: 127.0.0.1:${clusterPorts[i]}\n  routes: [${routes}]\n}\n`,
        }),
      );
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.dispose()));
    throw error;
  }
  return servers;
}

/** A hub (JetStream domain `hub`) and leaves (domain `edge`) connected to it as leaf nodes. */
export async function startHubAndLeaves(leaves = 1): Promise<{ hub: NatsServer; leaves: NatsServer[] }> {
  const leafPort = await freePort();
  const hub = await NatsServer.start({
    name: 'hub',
    domain: 'hub',
    extraConfig: `leafnodes {\n  listen: 127.0.0.1:${leafPort}\n}\n`,
  });
  const started: NatsServer[] = [];
  try {
    for (let i = 0; i < leaves; i++) {
      started.push(
        await NatsServer.start({
          name: `leaf-${i}`,
          domain: 'edge',
          extraConfig: `leafnodes {\n  remotes: [ { url: "nats-leaf://127.0.0.1:${leafPort}" } ]\n}\n`,
        }),
      );
    }
  } catch (error) {
    await Promise.all([hub, ...started].map((s) => s.dispose()));
    throw error;
  }
  return { hub, leaves: started };
}
