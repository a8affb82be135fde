/**
 * Network namespaces for partition tests. Each lab creates its own namespaces (`lt<id>-<name>`)
 * joined by veth pairs with /30 addresses from 10.231.0.0/16, all inside those namespaces: the
 * machine's own namespace gets no address or route. The test's NATS server stays on the root
 * namespace's loopback; a namespace reaches it through a forwarder (TCP in the namespace -> a unix
 * socket, which crosses namespaces -> TCP on loopback). `dispose()` removes everything, also after
 * a failure, and namespaces left by a crashed run are removed by the next lab.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FORWARDER = fileURLToPath(new URL('./forwarder.js', import.meta.url));
const PREFIX = 'lt';

/** Why namespaces cannot be used here, or null when they can. */
export async function netnsUnavailable(): Promise<string | null> {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `${PREFIX}probe${process.pid}`;
  try {
    await run('ip', ['netns', 'add', probe]);
    await run('ip', ['netns', 'del', probe]);
    return null;
  } catch (error) {
    return `ip netns is unavailable: ${(error as Error).message.split('\n')[0]}`;
  }
}

export interface VethPair {
  /** Interface and address on each side. */
  a: { ns: string; dev: string; ip: string };
  b: { ns: string; dev: string; ip: string };
}

export class NetLab {
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly servers: Server[] = [];
  private subnet = 0;

  private constructor(
    readonly id: string,
    private readonly socketDir: string,
  ) {}

  static async create(): Promise<NetLab> {
    await NetLab.removeStale();
    return new NetLab(randomBytes(2).toString('hex'), await mkdtemp(join(tmpdir(), 'lattice-netns-')));
  }

  /** Namespaces of labs whose process is gone (a test run that was killed). */
  private static async removeStale(): Promise<void> {
    const { stdout } = await run('ip', ['netns', 'list']);
    for (const line of stdout.split('\n')) {
      const name = line.split(' ')[0] ?? '';
      const pid = /^lt[0-9a-f]{4}p(\d+)-/.exec(name)?.[1];
      if (pid && !processAlive(Number(pid))) await run('ip', ['netns', 'del', name]).catch(() => undefined);
    }
  }

  /** Creates namespace `name` (loopback up) and returns its full name. */
  async namespace(name: string): Promise<string> {
    const full = `${PREFIX}${this.id}p${process.pid}-${name}`;
    await run('ip', ['netns', 'add', full]);
    this.namespaces.push(full);
    await this.exec(full, ['ip', 'link', 'set', 'lo', 'up']);
    return full;
  }

  /** A veth pair between two of this lab's namespaces with a /30 from 10.231.<n>.0. */
  async connect(nsA: string, nsB: string): Promise<VethPair> {
    const n = ++this.subnet;
    if (n > 250) throw new Error('too many links in one lab');
    const devA = `v${this.id}a${n}`;
    const devB = `v${this.id}b${n}`;
    await run('ip', ['link', 'add', devA, 'netns', nsA, 'type', 'veth', 'peer', 'name', devB, 'netns', nsB]);
    const ipA = `10.231.${n}.1`;
    const ipB = `10.231.${n}.2`;
    await this.exec(nsA, ['ip', 'addr', 'add', `${ipA}/30`, 'dev', devA]);
    await this.exec(nsB, ['ip', 'addr', 'add', `${ipB}/30`, 'dev', devB]);
    await this.exec(nsA, ['ip', 'link', 'set', devA, 'up']);
    await this.exec(nsB, ['ip', 'link', 'set', devB, 'up']);
    return { a: { ns: nsA, dev: devA, ip: ipA }, b: { ns: nsB, dev: devB, ip: ipB } };
  }

  async exec(ns: string, argv: string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string }> {
    return run('ip', ['netns', 'exec', ns, ...argv], { timeout: timeoutMs });
  }

  async setLink(ns: string, dev: string, state: 'up' | 'down'): Promise<void> {
    await this.exec(ns, ['ip', 'link', 'set', dev, state]);
  }

  /**
   * Makes `127.0.0.1:targetPort` of the root namespace reachable at `listenIp:listenPort` inside
   * `ns` (a forwarder process in the namespace, a unix socket between them).
   */
  async expose(ns: string, listenIp: string, listenPort: number, targetPort: number): Promise<void> {
    const socket = join(this.socketDir, `${this.servers.length}.sock`);
    const server = createServer((inbound) => {
      const outbound = createConnection({ host: '127.0.0.1', port: targetPort });
      inbound.pipe(outbound).pipe(inbound);
      const close = () => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('error', close).on('close', close);
      outbound.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socket, resolve));
    this.servers.push(server);
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, FORWARDER, listenIp, String(listenPort), socket], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`forwarder in ${ns} exited with ${code}`)));
      child.stdout?.once('data', () => resolve());
    });
  }

  /** Starts a process inside `ns` (the caller owns it). */
  command(ns: string): { command: string; prefix: string[] } {
    return { command: 'ip', prefix: ['netns', 'exec', ns, process.execPath] };
  }

  async dispose(): Promise<void> {
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
    // Deleting a namespace removes its veth ends (and their peers) with it.
    for (const ns of this.namespaces.reverse()) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await rm(this.socketDir, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
