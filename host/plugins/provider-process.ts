import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { StartProviderRequest } from '../../protocol/mod.js';
import { ChildMessage, PROVIDER_SETTINGS_ENV, type ParentMessage, type ProcessSettings } from '../../providers/sdk/process-protocol.js';
import type { Health } from '../../providers/sdk/types.js';
import { SECRETS_KEY_ENV } from '../../lib/secrets-key.js';
import type { HostServices } from '../services.js';

const ENTRY = fileURLToPath(new URL('../../providers/sdk/process-main.js', import.meta.url));

/** Restart back-off after a crash: doubles from the first value up to the cap. */
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A child that ran this long is considered healthy again: the back-off resets. */
const STABLE_AFTER_MS = 60_000;
/** How long the first start may take (connect, open KV views, start the provider). */
const START_TIMEOUT_MS = 20_000;
const HEALTH_TIMEOUT_MS = 2_000;
const STOP_GRACE_MS = 5_000;

/**
 * A provider in its own process, supervised by the host: started with the host's NATS settings
 * (it joins the lattice itself), restarted with back-off when it crashes, asked for its health
 * over the IPC channel, stopped gracefully. Its logs go to the host's stderr, tagged with the
 * provider id by the child's logger.
 */
export class ProcessProvider {
  private child: ChildProcess | null = null;
  private stopping = false;
  private backoff = RESTART_MIN_MS;
  private restartTimer: NodeJS.Timeout | null = null;
  private healthSeq = 0;
  private readonly healthWaiters = new Map<number, (h: Health) => void>();

  private constructor(
    private readonly host: HostServices,
    private readonly settings: ProcessSettings,
  ) {}

  static async start(host: HostServices, req: StartProviderRequest): Promise<ProcessProvider> {
    const provider = new ProcessProvider(host, {
      providerId: req.provider_id,
      providerRef: req.provider_ref,
      hostId: host.id,
      lattice: host.lattice,
      configNames: req.config,
      secretNames: req.secrets,
      dataDir: join(host.dataDir ?? tmpdir(), 'providers', req.provider_id),
    });
    await provider.spawn();
    return provider;
  }

  private async spawn(): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.host.natsEnv(), [PROVIDER_SETTINGS_ENV]: JSON.stringify(this.settings) };
    // The child opens secrets with the host's key, however the host got it.
    const key = await this.host.secrets.keyForChild();
    if (key) env[SECRETS_KEY_ENV] = key;
    else delete env[SECRETS_KEY_ENV];
    const child = fork(ENTRY, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    const startedAt = Date.now();
    const log = this.host.log.child({ provider_id: this.settings.providerId, pid: child.pid });
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        child.kill('SIGKILL');
        reject(new Error(`provider process did not start within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      child.on('message', (raw: unknown) => {
        const parsed = ChildMessage.safeParse(raw);
        if (!parsed.success) return;
        const message = parsed.data;
        if (message.type === 'ready' && !settled) {
          settled = true;
          clearTimeout(timer);
          log.info('provider process started');
          resolve();
        } else if (message.type === 'start-failed' && !settled) {
          settled = true;
          clearTimeout(timer);
          reject(new Error(message.message));
        } else if (message.type === 'health') {
          this.healthWaiters.get(message.id)?.({ healthy: message.healthy, message: message.message });
        }
      });
      child.on('exit', (code, signal) => {
        this.child = null;
        for (const waiter of this.healthWaiters.values()) waiter({ healthy: false, message: 'provider process exited' });
        this.healthWaiters.clear();
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(new Error(`provider process exited during start (code ${code}, signal ${signal})`));
          return;
        }
        if (this.stopping) return;
        if (Date.now() - startedAt > STABLE_AFTER_MS) this.backoff = RESTART_MIN_MS;
        log.warn({ code, signal, restart_in_ms: this.backoff }, 'provider process exited; restarting');
        this.scheduleRestart();
      });
    });
  }

  private scheduleRestart(): void {
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, RESTART_MAX_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.spawn().catch((error: unknown) => {
        this.host.log.warn({ provider_id: this.settings.providerId, err: error }, 'provider restart failed');
        if (!this.stopping && this.child === null) this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref();
  }

  private send(message: ParentMessage): boolean {
    return this.child?.connected ? this.child.send(message) : false;
  }

  async health(): Promise<Health> {
    if (!this.child) return { healthy: false, message: 'provider process is restarting' };
    const id = ++this.healthSeq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.healthWaiters.delete(id);
        resolve({ healthy: false, message: `no health answer within ${HEALTH_TIMEOUT_MS} ms` });
      }, HEALTH_TIMEOUT_MS);
      this.healthWaiters.set(id, (h) => {
        clearTimeout(timer);
        this.healthWaiters.delete(id);
        resolve(h);
      });
      if (!this.send({ type: 'health', id })) this.healthWaiters.get(id)?.({ healthy: false, message: 'no IPC channel' });
    });
  }

  /** The pid of the current child (tests kill it to prove the restart). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (!this.send({ type: 'stop' })) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}
