import type { NatsConnection } from 'nats';
import { assertToken, type HostHeartbeat, type HostInfo, type HostInventory } from '../protocol/mod.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { DEFAULT_LATTICE } from '../lib/nats-connection.js';
import { ControlServer } from './control/server.js';
import { ExtensionRegistry } from './control/extensions.js';
import { hostHandlers } from './control/handlers-host.js';
import { dataHandlers } from './control/handlers-data.js';
import { EventPublisher } from './events.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, assertHeartbeatInterval } from './heartbeat.js';
import { createIdentity, type HostIdentity } from './identity.js';
import { Inventory } from './inventory.js';
import { builtinLabels, HostLabels, JSPI_LABEL, labelsFromEnv } from './labels.js';
import { jspiAvailable, jspiWanted } from '../runtime/jspi.js';
import type { ConfigStore } from '../store/config-store.js';
import type { SecretStore } from '../store/secret-store.js';
import type { LinkStore } from '../store/link-store.js';
import { WorkTracker } from './work-tracker.js';
import { PolicyClient } from './admission/policy.js';
import type { HostPlugins } from './plugins/types.js';
import type { HostServices } from './services.js';
import { watchConnection } from './reconnect.js';
import { HostMetrics, serveMetrics, type MetricsServer } from './metrics/mod.js';
import { flushTracing, initTracing } from '../lib/telemetry/mod.js';
import { DEFAULT_STOP_TIMEOUT_MS, type HostOptions, type StopHook, type StopOptions, type StopResult } from './options.js';
import { Presence } from './presence.js';
import { StopHooks } from './stop-hooks.js';
import { childNatsEnv, closeConnection, openConnection, type HostConnection } from './connection.js';
import { closeStores, openStores, type LatticeStores } from './stores.js';

export type HostState = 'running' | 'stopping' | 'stopped';

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

  readonly nc: NatsConnection;
  /** Links of the lattice: KV access and a live view (`await host.links.live()`). */
  readonly links: LinkStore;
  /** Named config of the lattice: KV access and a live view (`await host.config.live()`). */
  readonly config: ConfigStore;
  /** Secrets of the lattice, sealed with the secrets key (store/secret-store.ts). */
  readonly secrets: SecretStore;

  private stateValue: HostState = 'running';
  private stopping: Promise<StopResult> | null = null;
  private resolveStopped!: (result: StopResult) => void;
  private readonly stopHooks: StopHooks;
  private readonly presence: Presence;
  private readonly server: ControlServer;
  private stopWatching: () => void = () => {};
  private metricsServer: MetricsServer | null = null;
  /** Prometheus metrics of this host, or null when `metricsAddress` is not set (then nothing is counted). */
  readonly metrics: HostMetrics | null;

  private constructor(
    readonly identity: HostIdentity,
    readonly lattice: string,
    private readonly connection: HostConnection,
    readonly log: Logger,
    readonly labels: HostLabels,
    stores: LatticeStores,
    private readonly options: HostOptions,
  ) {
    this.id = identity.id;
    this.friendlyName = identity.friendlyName;
    this.version = identity.version;
    this.startedAt = identity.startedAt;
    const nc = connection.nc;
    this.nc = nc;
    this.links = stores.links;
    this.config = stores.config;
    this.secrets = stores.secrets;
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
    this.presence = new Presence({
      identity,
      lattice,
      labels,
      inventory: this.inventory,
      events: this.events,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      stopped: () => this.stateValue === 'stopped',
    });
    this.stopHooks = new StopHooks(log);
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
        ...dataHandlers({ nc, lattice, config: this.config, links: this.links, secrets: this.secrets, events: this.events, policy: this.policy }),
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
    const connection = await openConnection(options, identity.friendlyName, log);
    const { nc } = connection;
    let stores: LatticeStores | undefined;
    try {
      stores = await openStores(nc, lattice, log, options);
      // Every host keeps live views so the link router and runtime never wait on JetStream.
      await Promise.all([stores.links.live(), stores.config.live()]);
      const host = new Host(identity, lattice, connection, log, labels, stores, options);
      if (host.metrics && options.metricsAddress !== undefined) {
        host.metrics.attach({
          info: () => ({ hostId: host.id, name: host.friendlyName, lattice, version: host.version }),
          connected: () => host.presence.connected,
        });
        host.metricsServer = await serveMetrics(options.metricsAddress, () => host.metrics!.render(), log);
      }
      host.begin();
      // Make sure the server has registered the control subscriptions before callers learn the
      // host exists: a request sent right after start must not meet "no responders".
      await nc.flush();
      return host;
    } catch (error) {
      if (stores) await closeStores(stores).catch(() => undefined);
      if (connection.owns) await nc.close().catch(() => undefined);
      throw error;
    }
  }

  private begin(): void {
    this.labels.onChange((labels) => {
      this.events.publish('labels_changed', { host_id: this.id, labels });
      this.inventory.touch();
    });
    this.inventory.onChange(() => this.presence.scheduleInventory());
    this.server.start();
    this.events.publish('host_started', {
      host_id: this.id,
      friendly_name: this.friendlyName,
      labels: this.labels.all(),
      version: this.version,
    });
    this.presence.start();
    this.stopWatching = watchConnection(this.nc, this.log, {
      onDisconnect: () => this.presence.disconnected(),
      onReconnect: () => {
        this.metrics?.natsReconnects.inc();
        this.presence.reconnected();
      },
      onClosed: () => {
        if (this.stateValue === 'running') void this.stop({ reason: 'NATS connection closed', timeoutMs: 0 });
      },
    });
    this.log.info({ name: this.friendlyName, labels: this.labels.all() }, 'host started');
  }

  info(): HostInfo {
    return this.presence.info();
  }

  describeInventory(): HostInventory {
    return this.presence.describeInventory();
  }

  heartbeatPayload(): HostHeartbeat {
    return this.presence.heartbeatPayload();
  }

  /** Publishes the full inventory now (`host_inventory`); returns the event's size in bytes. */
  publishInventory(): number {
    return this.presence.publishInventory();
  }

  /**
   * NATS settings as environment variables, for child processes that join the lattice on their
   * own (providers). A borrowed connection only tells its server, so children get that URL.
   */
  natsEnv(): Record<string, string> {
    return childNatsEnv(this.options, this.nc);
  }

  /** Registers a hook run during stop, after in-flight work drained (runtime, providers). */
  onStop(hook: StopHook): void {
    this.stopHooks.add(hook);
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
      await this.stopHooks.run(deadline, reason);
      this.presence.stop();
      this.server.close();
      this.events.publish('host_stopped', { host_id: this.id, reason });
      this.stopWatching();
      await this.metricsServer?.close();
      await flushTracing();
      await closeStores(this);
      await closeConnection(this.connection, this.log);
    } catch (error) {
      // A stop must always complete: the CLI waits on `stopped` to exit.
      this.log.error({ err: error }, 'error during stop');
      this.presence.stopBeating();
    }
    this.stateValue = 'stopped';
    const result: StopResult = { reason, drained: drain.drained, abandoned: drain.pending };
    this.log.info(result, 'host stopped');
    this.resolveStopped(result);
    return result;
  }
}
