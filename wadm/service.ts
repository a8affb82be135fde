import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { createLogger, type Logger } from '../lib/logger.js';
import { createControlClient } from '../protocol/control-client.js';
import { startWadmApi, type WadmApi } from './api/server.js';
import { LeaderLease } from './reconciler/lease.js';
import { LatticeObserver } from './reconciler/observer.js';
import { Reconciler, type ReconcileMeter, type ReconcilerStats } from './reconciler/reconciler.js';
import { Attr } from '../lib/telemetry/mod.js';
import { ManifestStore } from './store/manifest-store.js';
import { StatusStore } from './store/status-store.js';
import { latticeJsDomain } from '../store/kv.js';

export interface WadmOptions {
  nc: NatsConnection;
  lattice: string;
  logger?: Logger;
  /** Shown in the lease and logs (default: random). */
  id?: string;
  /** Replicas of the wadm KV buckets if this instance creates them (default 1). */
  kvReplicas?: number;
  /**
   * JetStream domain of wadm's buckets: the lattice buckets' domain (`hub` for a wadm on a leaf
   * node, docs/edge.md). Default: LATTICE_JS_DOMAIN, else the connected server's domain.
   */
  jsDomain?: string;
  /** Lease timing (tests shorten it); see lease.ts for the defaults and why. */
  leaseTtlMs?: number;
  leaseRenewMs?: number;
  tickMs?: number;
  /** Where rounds, commands and lag are counted (the host's metrics registry), if anywhere. */
  meter?: ReconcileMeter;
}

export interface Wadm {
  readonly id: string;
  readonly api: WadmApi;
  readonly stats: ReconcilerStats;
  /** Whether this instance currently holds the lease and reconciles. */
  readonly leader: boolean;
  stop(): Promise<void>;
}

/**
 * Runs one wadm instance on a lattice: the observer (events + inventories), the API (deploy
 * answers use the observer's live picture), the leader lease and the reconciler, which works
 * only while this instance holds the lease. Any number of instances may run; one reconciles.
 *
 * @example
 * const wadm = await startWadm({ nc, lattice: 'default' });
 * // ... lattice app deploy ...
 * await wadm.stop();
 */
export async function startWadm(options: WadmOptions): Promise<Wadm> {
  const { nc, lattice } = options;
  const id = options.id ?? `wadm-${randomBytes(4).toString('hex')}`;
  const logger = options.logger ?? createLogger({ component: 'wadm', lattice, wadm_id: id });
  const ctl = createControlClient(nc, lattice);
  const domain = latticeJsDomain(options.jsDomain);
  const [store, statuses] = await Promise.all([
    ManifestStore.open(nc, lattice, { replicas: options.kvReplicas, domain }),
    StatusStore.open(nc, lattice, { replicas: options.kvReplicas, domain }),
  ]);

  let reconciler: Reconciler | null = null;
  let lease: LeaderLease | null = null;
  const observer = await LatticeObserver.start({ nc, ctl, logger: logger.child({ part: 'observer' }), onChange: (why) => reconciler?.kick(why) });
  reconciler = new Reconciler({
    store,
    statuses,
    ctl,
    observer,
    logger: logger.child({ part: 'reconciler' }),
    tickMs: options.tickMs,
    meter: options.meter,
    spanAttributes: { [Attr.lattice]: lattice, 'wadm.id': id },
    mayAct: () => lease?.current ?? false,
  });
  const rec = reconciler;
  const api = await startWadmApi({
    nc,
    lattice,
    store,
    statuses,
    logger: logger.child({ part: 'api' }),
    observe: async ({ configs }) => {
      await observer.ensureConfigs(configs);
      return observer.state();
    },
  });
  await rec.start();
  lease = await LeaderLease.start({
    domain,
    nc,
    lattice,
    holder: id,
    logger: logger.child({ part: 'lease' }),
    ttlMs: options.leaseTtlMs,
    renewMs: options.leaseRenewMs,
    onChange: (leader) => rec.setActive(leader),
    onConfirmed: () => rec.kick('leader lease confirmed', 0),
  });
  if (lease.leader) rec.setActive(true);
  const held = lease;
  logger.info({ leader: lease.leader }, 'wadm started');

  return {
    id,
    api,
    stats: rec.stats,
    get leader() {
      return held.leader;
    },
    async stop() {
      await held.stop();
      rec.setActive(false);
      await rec.stop();
      observer.stop();
      await api.stop();
    },
  };
}
