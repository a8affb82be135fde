/**
 * A private lattice for one benchmark: a real nats-server, a control client, in-process hosts and
 * a temp dir, plus the http-server builtin on a host and one loopback listener per component.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import type { Host } from '../../host/mod.js';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import { NatsServer } from '../../test/kit/nats-server.js';
import { freePort } from '../../test/kit/ports.js';
import { startTestHost, stopHosts, type TestHostOptions } from '../../test/kit/hosts.js';
import { waitFor } from '../../test/kit/wait.js';

export class BenchLattice {
  readonly hosts: Host[] = [];
  private readonly cleanups: Array<() => Promise<unknown>> = [];

  private constructor(
    readonly server: NatsServer,
    readonly nc: NatsConnection,
    readonly ctl: ControlClient,
    readonly dataDir: string,
  ) {}

  static async start(): Promise<BenchLattice> {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    const dataDir = await mkdtemp(join(tmpdir(), 'lattice-bench-'));
    return new BenchLattice(server, nc, createControlClient(nc, 'default'), dataDir);
  }

  async host(opts: TestHostOptions = {}): Promise<Host> {
    const host = await startTestHost(this.server.url, { dataDir: join(this.dataDir, `host-${this.hosts.length}`), ...opts });
    this.hosts.push(host);
    return host;
  }

  /** Something else to stop with the lattice (a child host, a Redis). */
  onStop(fn: () => Promise<unknown>): void {
    this.cleanups.push(fn);
  }

  /**
   * Links the http-server provider `providerId` to `component` on a listener of its own (link and
   * config named after `name`) and waits until it answers 200; returns the URL.
   */
  async route(providerId: string, component: string, path = '/bench', name = component): Promise<string> {
    const port = await freePort();
    await this.ctl.putConfig(`${name}-http`, { address: `127.0.0.1:${port}` });
    await this.ctl.putLink({
      source_id: providerId,
      target: component,
      name,
      wit_namespace: 'wasi',
      wit_package: 'http',
      interfaces: ['incoming-handler'],
      source_config: [`${name}-http`],
    });
    const url = `http://127.0.0.1:${port}${path}`;
    await waitFor(`${component} to answer on ${url}`, async () => (await fetch(url).catch(() => null))?.status === 200, { timeoutMs: 30_000 });
    return url;
  }

  async stop(): Promise<void> {
    await stopHosts(this.hosts);
    for (const fn of this.cleanups.reverse()) await fn().catch(() => undefined);
    await this.nc.close().catch(() => undefined);
    await this.server.dispose();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** A bare Node `http` server on a free loopback port: the baseline of the HTTP benchmarks. */
export async function bareServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: (path: string) => string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
