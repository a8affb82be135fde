import type { NatsConnection } from 'nats';
import type { Labels } from '../protocol/mod.js';
import type { Logger } from '../lib/logger.js';
import type { NatsSettings } from '../lib/nats-connection.js';
import type { ProviderPluginOptions } from './plugins/providers.js';
import type { RuntimeOptions } from '../runtime/mod.js';
import type { PolicyOptions } from './admission/policy.js';
import type { CredentialResolver } from '../lib/oci/credentials.js';

/** Where and how a host pulls OCI images (lib/oci). */
export interface OciOptions {
  /** The machine's shared cache (default `<lattice home>/cache/oci`). */
  cacheDir?: string;
  /** Registries (`host:port`) this host may reach over plain HTTP. */
  insecureRegistries?: string[];
  /** Default: env, `lattice registry login` entries, docker's config.json. */
  credentials?: CredentialResolver;
  timeoutMs?: number;
}

/** Default deadline for draining in-flight work on stop. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * Inventory changes often come in bursts (a scale of many components): they are coalesced for
 * this long into one `host_inventory` event carrying the latest revision.
 */
export const INVENTORY_PUBLISH_DELAY_MS = 50;

export interface HostOptions {
  /** Lattice to join (default `default`). */
  lattice?: string;
  /** Use this connection; the host then leaves it open on stop (its owner closes it). */
  nats?: NatsConnection;
  /** Or connect with these settings (default: from the environment); the host closes it on stop. */
  natsSettings?: NatsSettings;
  /** Friendly name; generated when absent. */
  name?: string;
  /** Server nkey seed (`SN...`) to reuse an identity; a new key is generated when absent. */
  seed?: string;
  /** User labels. Keys in the built-in `hostcore.` namespace are refused (LabelError). */
  labels?: Labels;
  /**
   * Where `LATTICE_LABEL_<key>=<value>` labels are read from: the process environment by default,
   * another map, or `false` for none. Explicit `labels` win over environment ones.
   */
  labelEnv?: NodeJS.ProcessEnv | false;
  /** Heartbeat interval in ms (default 1000). */
  heartbeatIntervalMs?: number;
  /** Host data directory (caches of the runtime and providers). */
  dataDir?: string;
  /** Replicas of the lattice KV buckets when this host creates them (default 1; 3 on a cluster). */
  kvReplicas?: number;
  /**
   * JetStream domain of the lattice's link and config buckets (default: env LATTICE_JS_DOMAIN,
   * else the connected server's own). Edge hosts on a leaf node use the hub's domain.
   */
  jsDomain?: string;
  /**
   * The lattice secrets key (32 bytes) this host opens secrets with; default: LATTICE_SECRETS_KEY,
   * LATTICE_SECRETS_KEY_FILE or ~/.lattice/secrets.key (lib/secrets-key.ts). null: none.
   */
  secretsKey?: Buffer | null;
  /** Drain deadline used when a stop does not give one (default 10 s). */
  stopTimeoutMs?: number;
  /** Largest control request body accepted (default MAX_CTL_REQUEST_BYTES). */
  maxRequestBytes?: number;
  logger?: Logger;
  /**
   * Account public keys (`A...`) whose signed components this host runs; when set, unsigned,
   * foreign-signed and altered components are refused (docs/security.md).
   */
  trustedIssuers?: string[];
  /**
   * The NATS identity given to provider processes instead of the host's own (an nkey seed or file,
   * or a creds file): on a secured lattice, the provider user limited to invocation subjects.
   */
  providerAuth?: { nkeySeed?: string; credsFile?: string };
  /** The policy service asked before starts and link puts. */
  policy?: PolicyOptions;
  oci?: OciOptions;
  /**
   * Serve Prometheus metrics at `HOST:PORT/metrics` (docs/observability.md); off when absent. Port 0
   * picks a free port (`host.metricsAddress` says which).
   */
  metricsAddress?: string;
  /** Component runtime settings, or `false` for a host that runs no components. */
  runtime?: false | Omit<RuntimeOptions, 'importHandler' | 'logger'>;
  /** Provider supervisor settings, or `false` for a host that runs no providers. */
  providers?: false | ProviderPluginOptions;
}

export interface StopOptions {
  /** Deadline for in-flight work and stop hooks, in ms. */
  timeoutMs?: number;
  /** Why the host stops; carried in `host_stopped`. */
  reason?: string;
}

export interface StopResult {
  reason: string;
  /** False when in-flight work was still running at the deadline. */
  drained: boolean;
  /** Work units still running when the host gave up waiting. */
  abandoned: number;
}

export type { StopHook } from './services.js';
