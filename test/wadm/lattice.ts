import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import type { Host } from '../../host/mod.js';
import { createLogger } from '../../lib/logger.js';
import { connectLongLived } from '../../lib/nats-connection.js';
import { createControlClient, type ControlClient } from '../../protocol/mod.js';
import type { HostInventory } from '../../protocol/schemas/host.js';
import { createWadmClient, type WadmClient } from '../../protocol/wadm-client.js';
import { startWadm, type Wadm, type WadmOptions } from '../../wadm/mod.js';
import { spawnHostProcess, startTestHost, stopHosts, type HostProcess, type TestHostOptions } from '../kit/hosts.js';
import { NatsServer } from '../kit/nats-server.js';
import { waitFor } from '../kit/wait.js';

export const LATTICE = 'default';

/**
 * One lattice for a wadm test file: a real nats-server, in-process hosts (temp data dirs, one
 * pre-warmed worker each), child-process hosts, wadm instances, and clients.
 */
export class WadmLattice {
  readonly hosts: Host[] = [];
  readonly processes: HostProcess[] = [];
  readonly wadms: Wadm[] = [];
  private constructor(
    readonly server: NatsServer,
    readonly nc: NatsConnection,
    readonly ctl: ControlClient,
    readonly client: WadmClient,
    readonly dataDir: string,
  ) {}

  static async start(): Promise<WadmLattice> {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    const dataDir = await mkdtemp(join(tmpdir(), 'lattice-wadm-'));
    return new WadmLattice(server, nc, createControlClient(nc, LATTICE), createWadmClient(nc, LATTICE, { timeoutMs: 10_000 }), dataDir);
  }

  async host(name: string, labels: Record<string, string>, opts: TestHostOptions = {}): Promise<Host> {
    const host = await startTestHost(this.server.url, { name, labels, dataDir: join(this.dataDir, name), runtime: { poolSize: 1 }, ...opts });
    this.hosts.push(host);
    return host;
  }

  /** A `lattice host` child process (SIGKILL-able), with its own data dir. */
  async hostProcess(name: string, labels: Record<string, string>): Promise<HostProcess> {
    const proc = await spawnHostProcess(this.server.url, { name, labels, env: { LATTICE_DATA_DIR: join(this.dataDir, name) } });
    this.processes.push(proc);
    return proc;
  }

  /** A wadm instance on its own connection, with the reconnect policy of a `lattice wadm` process. */
  async wadm(opts: Partial<WadmOptions> = {}): Promise<{ wadm: Wadm; nc: NatsConnection }> {
    const nc = await connectLongLived({ url: this.server.url }, 'lattice-wadm-test', opts.logger ?? createLogger({ component: 'wadm-test' }));
    const wadm = await startWadm({ nc, lattice: LATTICE, tickMs: 1_000, ...opts });
    this.wadms.push(wadm);
    const stop = wadm.stop.bind(wadm);
    wadm.stop = async () => {
      this.wadms.splice(this.wadms.indexOf(wadm), 1);
      await stop();
      await nc.close();
    };
    return { wadm, nc };
  }

  async inventories(): Promise<HostInventory[]> {
    const hosts = await this.ctl.pingHosts({ timeoutMs: 300 });
    return Promise.all(hosts.map((h) => this.ctl.getInventory(h.id)));
  }

  /** max_instances of `componentId` per host id (hosts without it are absent). */
  async placement(componentId: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const inv of await this.inventories()) {
      const c = inv.components.find((x) => x.id === componentId);
      if (c) out.set(inv.id, c.max_instances);
    }
    return out;
  }

  async waitForState(app: string, state: string, timeoutMs = 20_000): Promise<void> {
    let last = '';
    try {
      await waitFor(
        `${app} to be ${state}`,
        async () => {
          const s = await this.client.status(app);
          last = `${s.state}: ${s.message} ${JSON.stringify(s.scalers)}`;
          return s.state === state;
        },
        { timeoutMs, intervalMs: 100 },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last status ${last}`);
    }
  }

  async stop(): Promise<void> {
    for (const w of [...this.wadms]) await w.stop().catch(() => undefined);
    await stopHosts(this.hosts);
    await Promise.all(this.processes.map((p) => p.dispose()));
    await this.nc.close();
    await this.server.dispose();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** A minimal application manifest: one component with the given trait, optional extra components. */
export function manifest(name: string, version: string, components: unknown[]): Record<string, unknown> {
  return { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name, annotations: { version } }, spec: { components } };
}

export function component(name: string, image: string, trait: Record<string, unknown>, extra: unknown[] = []): Record<string, unknown> {
  return { name, type: 'component', properties: { image }, traits: [trait, ...extra] };
}

/**
 * The builtin http-server of a manifest, one instance (on hosts labelled `zone` when given),
 * linked to the component `target` on `address` (its listen config named `configName`).
 */
export function httpServer(target: string, address: string, opts: { zone?: string; configName?: string } = {}): Record<string, unknown> {
  const spread = opts.zone ? [{ name: opts.zone, requirements: { zone: opts.zone } }] : [];
  return {
    name: 'http',
    type: 'capability',
    properties: { image: 'wasmcloud+builtin://http-server' },
    traits: [
      { type: 'spreadscaler', properties: { instances: 1, ...(spread.length ? { spread } : {}) } },
      {
        type: 'link',
        properties: {
          target: { name: target },
          namespace: 'wasi',
          package: 'http',
          interfaces: ['incoming-handler'],
          source: { config: [{ name: opts.configName ?? 'listen', properties: { address } }] },
        },
      },
    ],
  };
}
