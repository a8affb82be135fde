import type { NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import { createControlClient, type ControlClient } from '../../protocol/control-client.js';
import { withTimeout } from '../../lib/timeout.js';
import { executeCommands } from '../reconciler/executor.js';
import type { ObservedHost } from '../scalers/types.js';
import { ManifestStore } from '../store/manifest-store.js';
import { planSite } from './plan.js';
import { inSite, loadSnapshot, saveSnapshot, siteShare, snapshotManifest, type SiteApp, type SiteSelector, type SiteSnapshot } from './snapshot.js';

export interface SiteKeeperOptions {
  nc: NatsConnection;
  lattice: string;
  site: SiteSelector;
  /** Where the last synced state is kept (survives a restart during an outage). */
  stateFile: string;
  /** JetStream domain of the hub's buckets (`hub` on a leaf node). */
  jsDomain?: string;
  logger: Logger;
  /** Period of sync (hub reachable) and of site reconciles (cut off). Default 1 s. */
  tickMs?: number;
  /** Consecutive failed reads of the hub after which the site schedules by itself. Default 3. */
  hubLostAfter?: number;
}

/** How long one read of the hub's manifests may take before the hub counts as unreachable. */
const HUB_READ_TIMEOUT_MS = 2_000;

export type SiteMode = 'following' | 'autonomous';

/**
 * Keeps one edge site's applications running while its leaf node is cut off from the hub.
 * While the hub answers, the keeper only follows: it copies the deployed manifests and the
 * site's share of them (from the site's hosts) into its state file, and wadm at the hub
 * schedules everything. Once the hub has not answered for `hubLostAfter` ticks, it schedules the
 * site's hosts by itself with that state (plan.ts): a site host that dies has its instances
 * restarted on the site's other hosts. When the hub answers again it stops acting at once; what
 * it placed carries wadm's ownership annotations and is exactly the site's share, so the hub's
 * wadm finds the site converged: nothing to undo, no duplicates.
 */
export class SiteKeeper {
  private readonly ctl: ControlClient;
  private store: ManifestStore | null = null;
  private snapshot: SiteSnapshot | null = null;
  private failures = 0;
  private current: SiteMode = 'following';
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: SiteKeeperOptions) {
    this.ctl = createControlClient(opts.nc, opts.lattice);
  }

  static async start(opts: SiteKeeperOptions): Promise<SiteKeeper> {
    const keeper = new SiteKeeper(opts);
    keeper.snapshot = await loadSnapshot(opts.stateFile);
    keeper.schedule(0);
    return keeper;
  }

  get mode(): SiteMode {
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.opts.logger.warn({ err: error }, 'site keeper round failed'))
        .finally(() => this.schedule(this.opts.tickMs ?? 1_000));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const hosts = await this.siteHosts();
    const apps = await this.readHub();
    if (apps) {
      this.failures = 0;
      if (this.current === 'autonomous') {
        this.current = 'following';
        this.opts.logger.info({ site: this.opts.site }, 'hub reachable again: the hub wadm schedules the site again');
      }
      await this.sync(apps, hosts);
      return;
    }
    this.failures++;
    if (this.current === 'following' && this.failures >= (this.opts.hubLostAfter ?? 3)) {
      if (!this.snapshot) {
        if (this.failures === (this.opts.hubLostAfter ?? 3))
          this.opts.logger.warn('hub unreachable and nothing synced yet: the site cannot schedule by itself');
        return;
      }
      this.current = 'autonomous';
      this.opts.logger.warn({ site: this.opts.site, synced_at: this.snapshot.synced_at }, 'hub unreachable: the site schedules its own hosts');
    }
    if (this.current === 'autonomous' && this.snapshot) await this.act(this.snapshot, hosts);
  }

  /** The deployed apps at the hub (name, version, manifest as written), or null when it does not answer. */
  private async readHub(): Promise<Array<Pick<SiteApp, 'name' | 'version' | 'manifest'>> | null> {
    try {
      return await withTimeout(this.readApps(), HUB_READ_TIMEOUT_MS, 'reading the manifests at the hub');
    } catch (error) {
      this.opts.logger.debug({ err: error }, 'hub unreachable');
      return null;
    }
  }

  private async readApps(): Promise<Array<Pick<SiteApp, 'name' | 'version' | 'manifest'>>> {
    this.store ??= await ManifestStore.open(this.opts.nc, this.opts.lattice, { domain: this.opts.jsDomain });
    const out: Array<Pick<SiteApp, 'name' | 'version' | 'manifest'>> = [];
    for (const record of await this.store.list()) {
      if (record.deployed_version === null) continue;
      const version = record.versions.find((v) => v.version === record.deployed_version);
      if (version) out.push({ name: record.name, version: version.version, manifest: version.manifest });
    }
    return out;
  }

  private async sync(apps: Array<Pick<SiteApp, 'name' | 'version' | 'manifest'>>, hosts: ObservedHost[]): Promise<void> {
    const next: SiteSnapshot = {
      v: 1,
      site: this.opts.site,
      synced_at: new Date().toISOString(),
      apps: apps.map((a) => ({ ...a, ...siteShare(a.name, hosts) })),
    };
    const changed = JSON.stringify(next.apps) !== JSON.stringify(this.snapshot?.apps);
    this.snapshot = next;
    if (changed) await saveSnapshot(this.opts.stateFile, next);
  }

  private async act(snapshot: SiteSnapshot, hosts: ObservedHost[]): Promise<void> {
    for (const app of snapshot.apps) {
      const plan = planSite(app, snapshotManifest(app), hosts);
      for (const problem of plan.problems) this.opts.logger.warn({ app: app.name, problem: problem.message }, 'site cannot place its share');
      if (plan.commands.length === 0) continue;
      this.opts.logger.info({ app: app.name, commands: plan.commands.length }, 'site reconcile');
      await executeCommands(this.ctl, plan.commands, (o) => {
        if (!o.ok) this.opts.logger.warn({ app: app.name, command: o.command.type, error: o.error }, 'site command failed; retried next round');
      });
    }
  }

  /** The site's live hosts and what they run, asked over the site's own NATS (no hub needed). */
  private async siteHosts(): Promise<ObservedHost[]> {
    const hosts = (await this.ctl.pingHosts({ timeoutMs: 500 })).filter((h) => inSite(h, this.opts.site));
    const observed = await Promise.all(
      hosts.map(async (h) => {
        try {
          const inv = await this.ctl.getInventory(h.id);
          return {
            id: h.id,
            labels: inv.labels,
            components: inv.components.map((c) => ({ id: c.id, image_ref: c.image_ref, max_instances: c.max_instances, annotations: c.annotations })),
            providers: inv.providers.map((p) => ({ id: p.id, image_ref: p.image_ref, annotations: p.annotations })),
          } satisfies ObservedHost;
        } catch {
          return null; // gone between the ping and the inventory
        }
      }),
    );
    return observed.filter((h): h is ObservedHost => h !== null);
  }
}
