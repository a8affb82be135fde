import type { NatsConnection } from 'nats';
import type { z } from 'zod';
import type { Logger } from '../../lib/logger.js';
import type { ConfigValues, InterfaceRef, Link } from '../../protocol/mod.js';

/** A link as a provider sees it: its side of the link and the config of both sides, resolved. */
export interface ProviderLink {
  link: Link;
  /** `target`: a component calls this provider; `source`: this provider calls the target. */
  role: 'source' | 'target';
  /** Named configs of the side, merged right-most-wins. */
  sourceConfig: ConfigValues;
  targetConfig: ConfigValues;
  /** Secrets of each side (`source_secrets`, `target_secrets`), by name. */
  sourceSecrets: Record<string, string>;
  targetSecrets: Record<string, string>;
}

/** One call a component makes on an interface the provider serves. */
export interface ProviderCall {
  /** Full interface name as the caller imports it, e.g. `wasi:keyvalue/store@0.2.0-draft`. */
  interface: string;
  ref: InterfaceRef;
  /** WIT function name: `get`, `[method]bucket.get`, `[resource-drop]bucket`. */
  function: string;
  args: unknown[];
  /** The calling component. */
  source: string;
  linkName: string;
  /** The link the call came through (null if it was deleted meanwhile). */
  link: ProviderLink | null;
  deadline: number;
  signal: AbortSignal;
  traceparent?: string;
}

/** Handler of one function; return the value or throw WitError for the interface's error. */
export type FunctionHandler = (call: ProviderCall) => unknown;

/** Handlers per versionless interface (`wasi:keyvalue/store`) and WIT function name. */
export type InterfaceHandlers = Record<string, Record<string, FunctionHandler>>;

export interface Health {
  healthy: boolean;
  message?: string;
}

/** What the host (or the process runner) gives a provider. */
export interface ProviderContext<Config> {
  providerId: string;
  hostId: string;
  lattice: string;
  /** Provider config: the named configs of the start request, merged, validated by `configSchema`. */
  config: Config;
  /** The secrets of the start request, by name (decrypted; never log them). */
  secrets: Record<string, string>;
  log: Logger;
  nc: NatsConnection;
  /** A directory the provider may write to (caches, a filesystem blobstore default root). */
  dataDir: string;
  /**
   * Calls a function on the target of one of this provider's links (the provider is the source),
   * e.g. the http-server calling `wasi:http/incoming-handler#handle` on a component. Throws
   * WitError for the target's WIT error, typed transport errors otherwise.
   */
  call(link: Link, iface: string, fn: string, args: unknown[], opts?: CallOptions): Promise<unknown>;
  /**
   * Offered to a builtin http-server by a host that runs components: the runtime's threads accept
   * the provider's connections and run routed components where the request was parsed. Absent
   * in a provider process, and when the host runs no components.
   */
  ingress?: HttpIngress;
}

/** One route of an HTTP listener fronted by the host (see ProviderContext.ingress). */
export interface IngressRoute {
  /** The link's id: routes are replaced by id. */
  id: string;
  /** The component that serves the route. */
  target: string;
  pathPrefix: string;
  host?: string;
  /** Hand the component the path below the prefix. */
  stripPrefix: boolean;
  maxBodyBytes: number;
  timeoutMs: number;
  /** The link itself: what the host serves on the route is counted in its metrics as well. */
  link: Link;
}

/** A public address the host listens on for a provider. */
export interface IngressSpec {
  /** `HOST:PORT` clients connect to. */
  address: string;
  /** `HOST:PORT` of the provider's own listener: where what the host does not serve goes. */
  relayTo: string;
  routes: IngressRoute[];
}

export interface HttpIngress {
  /** Listens on `spec.address`; resolves the bound port. Rejects like a listen would (in use...). */
  open(spec: IngressSpec): Promise<number>;
  routes(address: string, routes: IngressRoute[]): void;
  close(address: string): Promise<void>;
}

export interface CallOptions {
  deadlineMs?: number;
  /** The W3C trace context the call belongs to (an ingress span's), when tracing is on. */
  traceparent?: string;
}

/** A running provider. Every hook is optional except the handlers. */
export interface ProviderInstance {
  handlers: InterfaceHandlers;
  /**
   * Asked before a link involving this provider is stored: return a reason to refuse it (the
   * `link put` fails with it), or null to accept. Must not change any state.
   */
  validateLink?(link: ProviderLink): Promise<string | null> | string | null;
  linkAdded?(link: ProviderLink): Promise<void> | void;
  linkRemoved?(link: ProviderLink): Promise<void> | void;
  /** A named config the provider or one of its links uses changed. */
  configUpdated?(config: unknown): Promise<void> | void;
  healthCheck?(): Promise<Health> | Health;
  shutdown?(): Promise<void> | void;
}

/**
 * A capability provider: the same definition runs in-process in a host (builtin) or as a
 * supervised child process. `exports` are the interfaces components import from it (it is the
 * link target); `imports` the ones it calls on components (it is the link source).
 */
export interface ProviderDefinition<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  exports: readonly string[];
  imports: readonly string[];
  configSchema: Schema;
  start(ctx: ProviderContext<z.infer<Schema>>): Promise<ProviderInstance> | ProviderInstance;
}

/** Identity helper that keeps the config type tied to the schema. */
export function defineProvider<Schema extends z.ZodType>(definition: ProviderDefinition<Schema>): ProviderDefinition<Schema> {
  return definition;
}
