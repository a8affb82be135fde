import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fail, ok, type Link, type StartProviderRequest } from '../../protocol/mod.js';
import { loadProvider, resolveAlias, UnknownProviderImageError } from '../../providers/registry.js';
import { describeArtifact, looksLikeOciRef, OciCache, OciError, OciRefError, parseOciRef, type RegistryClient } from '../../lib/oci/mod.js';
import { ProviderRunner } from '../../providers/sdk/runner.js';
import type { Health, HttpIngress } from '../../providers/sdk/types.js';
import type { HostServices } from '../services.js';
import type { LinkRouter } from '../router/link-router.js';
import type { LocalTargets } from '../router/local-targets.js';
import { ProcessProvider } from './provider-process.js';
import { Attr, tracing } from '../../lib/telemetry/mod.js';

/** How often provider health is checked; events are sent only when health changes. */
export const HEALTH_CHECK_INTERVAL_MS = 5_000;

interface Running {
  id: string;
  imageRef: string;
  annotations: Record<string, string>;
  mode: 'builtin' | 'process';
  /** In-process runner (builtin) or supervised child (process, with its current pid). */
  handle: { health(): Promise<Health>; stop(): Promise<void>; readonly pid?: number };
  healthy: boolean | null;
}

export interface ProviderPluginOptions {
  /** Mode for start requests that do not say (default `builtin`). */
  defaultMode?: 'builtin' | 'process';
  /** Registry access, to say what an OCI image that is not a known provider holds. */
  oci?: { client: RegistryClient; cacheDir: string };
  /** The runtime's HTTP ingress, when this host runs components (runtime/ingress/). */
  ingress?: () => HttpIngress | undefined;
}

/**
 * Starts and stops capability providers on a host: `provider.start`, `provider.stop` and
 * `provider.auction` on the control interface, inventory, lifecycle and health events. A builtin
 * provider runs in the host process and is registered as a local target, so components on this
 * host call it without NATS; it is also served on the lattice for other hosts.
 */
export class ProviderPlugin {
  private readonly running = new Map<string, Running>();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly host: HostServices,
    private readonly targets: LocalTargets,
    private readonly router: LinkRouter,
    private readonly options: ProviderPluginOptions,
  ) {
    this.timer = setInterval(() => void this.checkHealth(), HEALTH_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  static attach(host: HostServices, targets: LocalTargets, router: LinkRouter, options: ProviderPluginOptions = {}): ProviderPlugin {
    const plugin = new ProviderPlugin(host, targets, router, options);
    host.control.register('provider.start', (req) => plugin.start(req));
    host.control.register('provider.stop', async (req) => {
      const stopped = await plugin.stop(req.provider_id, 'stop requested');
      return stopped ? ok() : fail(`provider ${req.provider_id} is not running on this host`);
    });
    host.control.register('provider.auction', (req) => !plugin.running.has(req.id));
    host.onStop(async () => {
      clearInterval(plugin.timer);
      for (const id of [...plugin.running.keys()]) await plugin.stop(id, 'host stopping');
    });
    return plugin;
  }

  list(): string[] {
    return [...this.running.keys()];
  }

  /** The last health check of each provider (null before the first one). */
  health(): Array<{ id: string; healthy: boolean | null }> {
    return [...this.running.values()].map((r) => ({ id: r.id, healthy: r.healthy }));
  }

  /** The pid of a provider running as its own process (undefined for builtin ones or while it restarts). */
  pidOf(providerId: string): number | undefined {
    return this.running.get(providerId)?.handle.pid;
  }

  async start(req: StartProviderRequest) {
    if (this.running.has(req.provider_id)) {
      const existing = this.running.get(req.provider_id)!;
      if (existing.imageRef === req.provider_ref) return ok(undefined, `provider ${req.provider_id} already running`);
      return this.failed(req, `provider ${req.provider_id} already runs ${existing.imageRef}`);
    }
    const mode = req.mode ?? this.options.defaultMode ?? 'builtin';
    const unknown = await this.checkImage(req.provider_ref);
    if (unknown) return this.failed(req, unknown);
    const decision = await this.host.policy.evaluate(
      'startProvider',
      { providerId: req.provider_id, imageRef: req.provider_ref, annotations: req.annotations, claims: null },
      { id: req.provider_id, imageRef: req.provider_ref },
    );
    if (!decision.permitted) return this.failed(req, `start of ${req.provider_id} refused: denied by policy: ${decision.reason}`);
    try {
      const handle = mode === 'builtin' ? await this.startBuiltin(req) : await this.startProcess(req);
      this.running.set(req.provider_id, {
        id: req.provider_id,
        imageRef: req.provider_ref,
        annotations: req.annotations,
        mode,
        handle,
        healthy: null,
      });
      this.host.inventory.upsertProvider({
        id: req.provider_id,
        image_ref: req.provider_ref,
        annotations: req.annotations,
        revision: 0,
        mode,
        status: 'running',
      });
      this.host.events.publish('provider_started', {
        host_id: this.host.id,
        provider_id: req.provider_id,
        image_ref: req.provider_ref,
        annotations: req.annotations,
      });
      return ok();
    } catch (error) {
      return this.failed(req, (error as Error).message);
    }
  }

  /**
   * Known provider images (wasmCloud's names included) start the builtin providers. Any other
   * registry image is pulled far enough to say what it is: wasmCloud's provider archives hold
   * native binaries for its Rust host and cannot run here, and a component is not a provider.
   */
  private async checkImage(ref: string): Promise<string | null> {
    if (resolveAlias(ref)) return null;
    const unknown = new UnknownProviderImageError(ref).message;
    if (!this.options.oci || !looksLikeOciRef(ref)) return unknown;
    try {
      const { kind } = await describeArtifact({ client: this.options.oci.client, cache: new OciCache(this.options.oci.cacheDir) }, parseOciRef(ref));
      if (kind === 'provider-archive')
        return `${ref} is a wasmCloud provider archive (native binaries for wasmCloud's host), which this host cannot run; ${unknown}`;
      if (kind === 'component') return `${ref} is a Wasm component, not a provider: scale it as a component; ${unknown}`;
      return `${ref} is neither a provider this host knows nor a Wasm artifact; ${unknown}`;
    } catch (error) {
      if (error instanceof OciError || error instanceof OciRefError) return `cannot start provider image ${ref}: ${error.message}`;
      throw error;
    }
  }

  private failed(req: StartProviderRequest, error: string) {
    this.host.events.publish('provider_start_failed', {
      host_id: this.host.id,
      provider_id: req.provider_id,
      provider_ref: req.provider_ref,
      error,
    });
    return fail(error);
  }

  private async startBuiltin(req: StartProviderRequest): Promise<Running['handle']> {
    const { definition, defaults } = await loadProvider(req.provider_ref);
    const [links, configs, secrets] = await Promise.all([this.host.links.live(), this.host.config.live(), this.host.secrets.reader()]);
    const runner = await ProviderRunner.start(definition, {
      providerId: req.provider_id,
      hostId: this.host.id,
      lattice: this.host.lattice,
      nc: this.host.nc,
      log: this.host.log.child({ provider_id: req.provider_id }),
      spanAttributes: { [Attr.lattice]: this.host.lattice, [Attr.host]: this.host.id },
      dataDir: join(this.host.dataDir ?? tmpdir(), 'providers', req.provider_id),
      configNames: req.config,
      defaults,
      links,
      configs: { get: (name) => configs.get(name), onChange: (fn) => configs.onChange(fn) },
      secretNames: req.secrets,
      secrets: { get: (name) => secrets.reveal(name), onChange: (fn) => secrets.onChange(fn) },
      call: (link: Link, iface, fn, args, opts) => this.router.callTarget(req.provider_id, link, iface, fn, args, opts?.deadlineMs, opts?.traceparent),
      // LATTICE_WORKER_INGRESS=off keeps every request on the provider's own listener (A/B runs,
      // diagnosis); so does tracing, whose spans follow the provider's path.
      ingress: process.env.LATTICE_WORKER_INGRESS === 'off' || tracing.on ? undefined : this.options.ingress?.(),
    });
    try {
      await this.targets.register(req.provider_id, (call) => runner.handle(call));
    } catch (error) {
      await runner.stop();
      throw error;
    }
    return {
      health: () => runner.health(),
      stop: async () => {
        await this.targets.unregister(req.provider_id);
        await runner.stop();
      },
    };
  }

  private async startProcess(req: StartProviderRequest): Promise<Running['handle']> {
    await loadProvider(req.provider_ref); // refuse unknown images before spawning anything
    return ProcessProvider.start(this.host, req);
  }

  async stop(providerId: string, reason: string): Promise<boolean> {
    const entry = this.running.get(providerId);
    if (!entry) return false;
    this.running.delete(providerId);
    try {
      await entry.handle.stop();
    } catch (error) {
      this.host.log.warn({ provider_id: providerId, err: error }, 'provider stop failed');
    }
    this.host.inventory.removeProvider(providerId);
    this.host.events.publish('provider_stopped', {
      host_id: this.host.id,
      provider_id: providerId,
      annotations: entry.annotations,
      reason,
    });
    return true;
  }

  private async checkHealth(): Promise<void> {
    for (const entry of this.running.values()) {
      const health = await entry.handle.health();
      if (health.healthy === entry.healthy) continue;
      entry.healthy = health.healthy;
      if (health.healthy) this.host.events.publish('health_check_passed', { host_id: this.host.id, provider_id: entry.id });
      else this.host.events.publish('health_check_failed', { host_id: this.host.id, provider_id: entry.id, message: health.message });
    }
  }
}
