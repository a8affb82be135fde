import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import type { Host } from '../../host/mod.js';
import { NatsServer } from './nats-server.js';
import { startTestHost, stopHosts, type TestHostOptions } from './hosts.js';

/** A whole test lattice: a nats-server, a client connection, a control client and hosts. */
export interface TestLattice {
  server: NatsServer;
  nc: NatsConnection;
  ctl: ControlClient;
  hosts: Host[];
  /** A temp directory removed on dispose; each host gets its own data dir below it. */
  dataDir: string;
  /** Starts one more host (its data dir under `dataDir`). */
  addHost(opts?: TestHostOptions): Promise<Host>;
  dispose(): Promise<void>;
}

/**
 * Starts a nats-server and `hosts` full hosts (runtime and providers, one worker each unless
 * `perHost` says otherwise), each with its own data dir. Dispose stops everything and removes
 * the temp files.
 */
export async function startTestLattice(opts: { hosts?: number; perHost?: (index: number) => TestHostOptions } = {}): Promise<TestLattice> {
  const server = await NatsServer.start();
  const nc = await connect({ servers: server.url });
  const dataDir = await mkdtemp(join(tmpdir(), 'lattice-test-'));
  const hosts: Host[] = [];
  const lattice: TestLattice = {
    server,
    nc,
    ctl: createControlClient(nc, 'default'),
    hosts,
    dataDir,
    async addHost(hostOpts = {}) {
      const host = await startTestHost(server.url, {
        dataDir: join(dataDir, `host-${hosts.length}`),
        runtime: { poolSize: 1 },
        ...hostOpts,
      });
      hosts.push(host);
      return host;
    },
    async dispose() {
      await stopHosts(hosts);
      await nc.close();
      await server.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < (opts.hosts ?? 1); i++) await lattice.addHost(opts.perHost?.(i));
  } catch (error) {
    await lattice.dispose();
    throw error;
  }
  return lattice;
}
