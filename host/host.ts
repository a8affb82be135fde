import type { NatsConnection } from 'nats';
import { assertToken, type HostHeartbeat, type HostInfo, type HostInventory } from '../protocol/mod.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { connectLongLived, DEFAULT_LATTICE, natsSettingsFromEnv, natsSettingsToEnv } from '../lib/nats-connection.js';
import { ControlServer } from './control/server.js';
import { ExtensionRegistry } from './control/extensions.js';
import { hostHandlers } from './control/handlers-host.js';
import { dataHandlers } from './control/handlers-data.js';
import { EventPublisher } from './events.js';
import { Heartbeat, DEFAULT_HEARTBEAT_INTERVAL_MS, assertHeartbeatInterval } from './heartbeat.js';
import { createIdentity, type HostIdentity } from './identity.js';
import { Inventory } from './inventory.js';
import { builtinLabels, HostLabels, JSPI_LABEL, labelsFromEnv } from './labels.js';
import { measureCapacity } from './capacity.js';
import { jspiAvailable, jspiWanted } from '../runtime/jspi.js';
import { ConfigStore } from '../store/config-store.js';
import { SecretStore } from '../store/secret-store.js';
import { loadSecretsKey } from '../lib/secrets-key.js';
import { LinkStore } from '../store/link-store.js';
import { latticeJsDomain } from '../store/kv.js';
import { WorkTracker } from './work-tracker.js';
import { PolicyClient } from './admission/policy.js';
import type { HostPlugins } from './plugins/types.js';
import type { HostServices } from './services.js';
import { watchConnection } from './reconnect.js';
import { HostMetrics, serveMetrics, type MetricsServer } from './metrics/mod.js';
import { flushTracing, initTracing } from '../lib/telemetry/mod.js';
import { DEFAULT_STOP_TIMEOUT_MS, INVENTORY_PUBLISH_DELAY_MS, type HostOptions, type StopHook, type StopOptions, type StopResult } from './options.js';

export type HostState = 'running' | 'stopping' | 'stopped';

/** Smallest time a stop hook gets, even past the drain deadline. */
const STOP_HOOK_MIN_MS = 1_000;

/**
 * A lattice host: identity and labels, heartbeats and events, the control-interface server, and
 * the extension points the component runtime and providers plug into. Create with `startHost`.
 */
export class Host implements HostServices {
  readonly id: string;
  readonly friendlyName: string;
  readonly version: string;
  readonly startedAt: Date;
  readonly heartbeatIntervalMs: number;
  /** Resolves once the host has fully stopped (by `stop`, a signal or the control interface). */
  readonly stopped: Promise<StopResult>;

  private stateValue: HostState = 'running';
  private connected = true;
  private stopping: Promise<StopResult> | null = null;
  private resolveStopped!: (result: StopResult) => void;
  private readonly stopHooks: StopHook[] = [];
  private readonly heartbeat: Heartbeat;
  private readonly server: ControlServer;
  private inventoryTimer: NodeJS.Timeout | null = null;
  private stopWatching: () => void = () => {};
  private metricsServer: MetricsServer | null = null;
  /** Prometheus metrics of this host, or null when `metricsAddress` is not set (then nothing is counted). */
  readonly metrics: HostMetrics | null;

  private constructor(
    readonly identity: HostIdentity,
    readonly lattice: string,
    readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    readonly log: Logger,
    readonly labels: HostLabels,
    /** Links of the lattice: KV access and a live view (`await host.links.live()`). */
    readonly links: LinkStore,
    /** Named config of the lattice: KV access and a live view (`await host.config.live()`). */
    readonly config: ConfigStore,
    /** Secrets of the lattice, sealed with the secrets key (store/secret-store.ts). */
    readonly secrets: SecretStore,
    private readonly options: HostOptions,
  ) {
    this.id = identity.id;
    this.friendlyName = identity.friendlyName;
    this.version = identity.version;
    this.startedAt = identity.startedAt;
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.metrics = options.metricsAddress === undefined ? null : new HostMetrics();
    this.events = new EventPublisher(nc, lattice, identity.id, log);
    this.policy = new PolicyClient(
      nc,
      { id: identity.id, lattice, labels: () => labels.all() },
      this.events,
      log.child({ component: 'policy' }),
      options.policy,
    );
    this.control = new ExtensionRegistry(identity.id, labels);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.heartbeat = new Heartbeat(this.heartbeatIntervalMs, () => this.beat());
    this.server = new ControlServer({
      nc,
      lattice,
      hostId: identity.id,
      log,
      work: this.work,
      maxRequestBytes: options.maxRequestBytes,
      handlers: {
        ...hostHandlers({
          id: identity.id,
          labels,
          info: () => this.info(),
          inventory: () => this.describeInventory(),
          publishInventory: () => this.publishInventory(),
          requestStop: (timeoutMs, reason) => void this.stop({ timeoutMs, reason }),
        }),
        ...dataHandlers({ nc, lattice, config, links, secrets: this.secrets, events: this.events, policy: this.policy }),
        ...this.control.dispatchers(),
      },
    });
  }

  /** Publishes lattice events with this host as the source. */
  readonly events: EventPublisher;
  /** The policy hook asked before starts and link puts (permits all when not configured). */
  readonly policy: PolicyClient;
  /** What runs here; mutations bump the revision and publish `host_inventory`. */
  readonly inventory = new Inventory();
  /** In-flight work a graceful stop waits for. */
  readonly work = new WorkTracker();
  /** Router, runtime and provider supervisor, attached by `startHost` (see assemble.ts). */
  readonly plugins: Partial<HostPlugins> = {};
  /** Registration of component/provider control handlers (`host.control.register(op, fn)`). */
  readonly control: ExtensionRegistry;

  get state(): HostState {
    return this.stateValue;
  }

  get dataDir(): string | undefined {
    return this.options.dataDir;
  }

  /** Where Prometheus metrics are served (`host:port`), or null. */
  get metricsAddress(): string | null {
    return this.metricsServer?.address ?? null;
  }

  /** Issuers whose signed components this host runs; empty: signatures are not required. */
  get trustedIssuers(): readonly string[] {
    return this.options.trustedIssuers ?? [];
  }

  /** Connects (unless given a connection), joins the lattice and announces itself. */
  static async start(options: HostOptions = {}): Promise<Host> {
    // Option mistakes fail here, before anything connects.
    const lattice = assertToken('lattice', options.lattice ?? DEFAULT_LATTICE);
    assertHeartbeatInterval(options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
    const identity = createIdentity({ name: options.name, seed: options.seed });
    const envLabels = options.labelEnv === false ? {} : labelsFromEnv(options.labelEnv ?? process.env);
    // Whether provider calls suspend their guest or block its worker (runtime/jspi.ts).
    const jspi = options.runtime !== false && (options.runtime?.jspi ?? jspiWanted()) && jspiAvailable();
    const labels = new HostLabels({ ...envLabels, ...options.labels }, { ...builtinLabels(), [JSPI_LABEL]: String(jspi) });
    const log = (options.logger ?? createLogger({ component: 'host' })).child({ host_id: identity.id, lattice });
    // Only with an OTLP endpoint in the environment; the first host of a process names the service.
    await initTracing(
      'lattice-host',
      { 'service.instance.id': identity.id, 'lattice.host.id': identity.id, 'lattice.name': lattice, 'lattice.host.name': identity.friendlyName },
      log,
    );
    const nc = options.nats ?? (await connectLongLived(options.natsSettings ?? natsSettingsFromEnv(), `lattice-host-${identity.friendlyName}`, log));
    const owns = options.nats === undefined;
    let links: LinkStore | undefined;
    let config: ConfigStore | undefined;
    let secrets: SecretStore | undefined;
    try {
      const bucketOptions = { replicas: options.kvReplicas, domain: latticeJsDomain(options.jsDomain) };
      // Without an explicit key the host reads the configured one, and looks again later if none is there yet.
      const secretsKey = options.secretsKey === undefined ? await loadSecretsKey() : options.secretsKey;
      const reloadKey = options.secretsKey === undefined ? () => loadSecretsKey() : undefined;
      [links, config, secrets] = await Promise.all([
        LinkStore.open(nc, lattice, log, bucketOptions),
        ConfigStore.open(nc, lattice, log, bucketOptions),
        SecretStore.open(nc, lattice, secretsKey, log, bucketOptions, reloadKey),
      ]);
      // Every host keeps live views so the link router and runtime never wait on JetStream.
      await Promise.all([links.live(), config.live()]);
      const host = new Host(identity, lattice, nc, owns, log, labels, links, config, secrets, options);
      if (host.metrics && options.metricsAddress !== undefined) {
        host.metrics.attach({
          info: () => ({ hostId: host.id, name: host.friendlyName, lattice, version: host.version }),
          connected: () => host.connected,
        });
        host.metricsServer = await serveMetrics(options.metricsAddress, () => host.metrics!.render(), log);
      }
      host.begin();
      // Make sure the server has registered the control subscriptions before callers learn the
      // host exists: a request sent right after start must not meet "no responders".
      await nc.flush();
      return host;
    } catch (error) {
      await Promise.all([links?.close(), config?.close(), secrets?.close()]).catch(() => undefined);
      if (owns) await nc.close().catch(() => undefined);
      throw error;
    }
  }

  private begin(): void {
    this.labels.onChange((labels) => {
      this.events.publish('labels_changed', { host_id: this.id, labels });
      this.inventory.touch();
    });
    this.inventory.onChange(() => this.scheduleInventory());
    this.server.start();
    this.events.publish('host_started', {
      host_id: this.id,
      friendly_name: this.friendlyName,
      labels: this.labels.all(),
      version: this.version,
    });
    this.announce();
    this.heartbeat.start();
    this.stopWatching = watchConnection(this.nc, this.log, {
      onDisconnect: () => (this.connected = false),
      onReconnect: () => {
        this.metrics?.natsReconnects.inc();
        this.connected = true;
        this.announce();
      },
      onClosed: () => {
        if (this.stateValue === 'running') void this.stop({ reason: 'NATS connection closed', timeoutMs: 0 });
      },
    });
    this.log.info({ name: this.friendlyName, labels: this.labels.all() }, 'host started');
  }

  /** Heartbeat and full inventory at once: at start and whenever the connection comes back. */
  private announce(): void {
    this.publishInventory();
    this.heartbeat.now();
  }

  info(): HostInfo {
    return {
      id: this.id,
      friendly_name: this.friendlyName,
      labels: this.labels.all(),
      version: this.version,
      lattice: this.lattice,
      started_at: this.startedAt.toISOString(),
      uptime_seconds: this.uptimeSeconds(),
      revision: this.inventory.revision,
    };
  }

  describeInventory(): HostInventory {
    return { ...this.info(), components: this.inventory.components(), providers: this.inventory.providers() };
  }

  heartbeatPayload(): HostHeartbeat {
    return {
      id: this.id,
      friendly_name: this.friendlyName,
      labels: this.labels.all(),
      version: this.version,
      uptime_seconds: this.uptimeSeconds(),
      counts: this.inventory.counts(),
      revision: this.inventory.revision,
      interval_ms: this.heartbeatIntervalMs,
      capacity: measureCapacity(),
    };
  }

  /** Publishes the full inventory now (`host_inventory`); returns the event's size in bytes. */
  publishInventory(): number {
    if (this.inventoryTimer) clearTimeout(this.inventoryTimer);
    this.inventoryTimer = null;
    return this.events.publish('host_inventory', this.describeInventory());
  }

  /** Registers a hook run during stop, after in-flight work drained (runtime, providers). */
  /**
   * NATS settings as environment variables, for child processes that join the lattice on their
   * own (providers). A borrowed connection only tells its server, so children get that URL.
   */
  natsEnv(): Record<string, string> {
    const base = this.options.natsSettings ?? (this.options.nats ? { url: `nats://${this.nc.getServer()}` } : natsSettingsFromEnv());
    const auth = this.options.providerAuth;
    if (!auth) return natsSettingsToEnv(base);
    // Providers get their own, narrower identity (docs/security.md), never the host's.
    const { user: _u, password: _p, token: _t, nkeySeed: _n, credsFile: _c, ...rest } = base;
    return natsSettingsToEnv({ ...rest, nkeySeed: auth.nkeySeed, credsFile: auth.credsFile });
  }

  onStop(hook: StopHook): void {
    this.stopHooks.push(hook);
  }

  /**
   * Graceful stop: refuse new work, wait for in-flight work up to the deadline, run stop hooks,
   * publish `host_stopped`, then drain and close NATS (when the host opened it). Idempotent.
   */
  stop(options: StopOptions = {}): Promise<StopResult> {
    this.stopping ??= this.runStop(options.timeoutMs ?? this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, options.reason ?? 'stopped');
    return this.stopping;
  }

  private async runStop(timeoutMs: number, reason: string): Promise<StopResult> {
    this.stateValue = 'stopping';
    const deadline = Date.now() + timeoutMs;
    this.log.info({ reason, timeout_ms: timeoutMs }, 'host stopping');
    let drain = { drained: true, pending: 0 };
    try {
      this.server.quiesce();
      drain = await this.work.drain(timeoutMs);
      if (!drain.drained) this.log.warn({ pending: drain.pending }, 'stop deadline passed with work in flight');
      await this.runStopHooks(deadline, reason);
      this.heartbeat.stop();
      if (this.inventoryTimer) clearTimeout(this.inventoryTimer);
      this.server.close();
      this.events.publish('host_stopped', { host_id: this.id, reason });
      this.stopWatching();
      await this.metricsServer?.close();
      await flushTracing();
      await Promise.all([this.links.close(), this.config.close(), this.secrets.close()]);
      await this.closeConnection();
    } catch (error) {
      // A stop must always complete: the CLI waits on `stopped` to exit.
      this.log.error({ err: error }, 'error during stop');
      this.heartbeat.stop();
    }
    this.stateValue = 'stopped';
    const result: StopResult = { reason, drained: drain.drained, abandoned: drain.pending };
    this.log.info(result, 'host stopped');
    this.resolveStopped(result);
    return result;
  }

  /**
   * Hooks run newest first (what was plugged in last is unplugged first). Each gets the time left
   * before the deadline, but at least STOP_HOOK_MIN_MS: stopping providers cleanly still matters
   * when draining used the whole deadline. A hook that overruns is abandoned, not awaited.
   */
  private async runStopHooks(deadline: number, reason: string): Promise<void> {
    for (const hook of [...this.stopHooks].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const budget = Math.max(deadline - Date.now(), STOP_HOOK_MIN_MS);
      const overrun = new Promise<'overrun'>((resolve) => (timer = setTimeout(() => resolve('overrun'), budget)));
      try {
        const outcome = await Promise.race([Promise.resolve(hook({ deadline, reason })), overrun]);
        if (outcome === 'overrun') this.log.warn({ budget_ms: budget }, 'stop hook overran its time; continuing');
      } catch (error) {
        this.log.error({ err: error }, 'stop hook failed');
      } finally {
        clearTimeout(timer);
      }
    }
  }

  private async closeConnection(): Promise<void> {
    try {
      if (this.nc.isClosed()) return;
      // drain() flushes what is buffered (host_stopped, the last replies) before closing.
      if (this.ownsConnection) await this.nc.drain();
      else await this.nc.flush();
    } catch (error) {
      this.log.warn({ err: error }, 'closing the NATS connection failed');
      if (this.ownsConnection) await this.nc.close().catch(() => undefined);
    }
  }

  private beat(): void {
    // Beats published while disconnected reach nobody (measured: nats 2.29 does not deliver them
    // after reconnecting); the reconnect handler announces the host at once instead.
    if (!this.connected || this.stateValue === 'stopped') return;
    this.events.publish('host_heartbeat', this.heartbeatPayload());
  }

  private scheduleInventory(): void {
    if (this.inventoryTimer || this.stateValue === 'stopped') return;
    this.inventoryTimer = setTimeout(() => this.publishInventory(), INVENTORY_PUBLISH_DELAY_MS);
  }

  private uptimeSeconds(): number {
    return Math.floor((Date.now() - this.startedAt.getTime()) / 1000);
  }
}
