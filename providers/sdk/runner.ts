import type { NatsConnection } from 'nats';
import type { Logger } from '../../lib/logger.js';
import {
  ApplicationError,
  describeIssues,
  describePayload,
  WitError,
  interfaceKey,
  isLinkValidation,
  Link as LinkSchema,
  type IncomingCall,
  type Link,
} from '../../protocol/mod.js';
import { mergeConfigs, type ConfigSource } from './config.js';
import { resolveSecrets, type SecretSource } from './secrets.js';
import { ProviderStartError, UnknownFunctionError } from './errors.js';
import type { CallOptions, Health, HttpIngress, ProviderDefinition, ProviderInstance, ProviderLink } from './types.js';
import { Attr, SpanKind, startSpan, tracing, type Attributes } from '../../lib/telemetry/mod.js';

/** Where a runner learns about links: a snapshot plus change notifications. */
export interface LinkSource {
  values(): Link[];
  onChange(listener: (change: { value: Link | null; previous: Link | null }) => void): () => void;
}

export interface ConfigFeed {
  get: ConfigSource;
  onChange(listener: (change: { key: string }) => void): () => void;
}

export interface RunnerDeps {
  providerId: string;
  hostId: string;
  lattice: string;
  nc: NatsConnection;
  log: Logger;
  dataDir: string;
  /** Named configs of the start request, merged right-most-wins into the provider config. */
  configNames: readonly string[];
  /** Config the image implies (e.g. `backend: redis`); named configs override it. */
  defaults?: Record<string, string>;
  links: LinkSource;
  configs: ConfigFeed;
  /** Secret names of the start request (stored secrets or wadm references). */
  secretNames?: readonly string[];
  /** Reads stored secrets; absent when the host has none to give. */
  secrets?: { get: SecretSource; onChange(listener: (change: { key: string }) => void): () => void };
  call(link: Link, iface: string, fn: string, args: unknown[], opts?: CallOptions): Promise<unknown>;
  /** See ProviderContext.ingress (builtin providers in a host with a runtime). */
  ingress?: HttpIngress;
  /** Attributes every provider-operation span carries (lattice, host). */
  spanAttributes?: Attributes;
}

function involves(link: Link, providerId: string): boolean {
  return link.target === providerId || link.source_id === providerId;
}

/**
 * Runs one provider definition: validates its config, starts it, tells it about its links (and
 * keeps telling as they change), and dispatches calls to its handlers. The host's builtin mode and
 * the child-process mode both use it, which is what makes the two modes behave the same.
 */
export class ProviderRunner {
  private readonly known = new Map<string, ProviderLink>();
  private readonly unsubscribe: Array<() => void> = [];

  private constructor(
    readonly definition: ProviderDefinition,
    private readonly deps: RunnerDeps,
    private readonly instance: ProviderInstance,
  ) {}

  static async start(definition: ProviderDefinition, deps: RunnerDeps): Promise<ProviderRunner> {
    const raw = { ...deps.defaults, ...mergeConfigs(deps.configNames, deps.configs.get) };
    const parsed = definition.configSchema.safeParse(raw);
    if (!parsed.success) throw new ProviderStartError(deps.providerId, `invalid config: ${describeIssues(parsed.error)}`);
    const secrets = resolveSecrets(deps.secretNames ?? [], deps.secrets?.get, deps.configs.get);
    if (secrets.problems.length > 0) throw new ProviderStartError(deps.providerId, secrets.problems.join('; '));
    let instance: ProviderInstance;
    try {
      instance = await definition.start({
        providerId: deps.providerId,
        hostId: deps.hostId,
        lattice: deps.lattice,
        config: parsed.data,
        secrets: secrets.values,
        log: deps.log,
        nc: deps.nc,
        dataDir: deps.dataDir,
        call: deps.call,
        ingress: deps.ingress,
      });
    } catch (error) {
      throw new ProviderStartError(deps.providerId, (error as Error).message, { cause: error });
    }
    const runner = new ProviderRunner(definition, deps, instance);
    await runner.syncLinks();
    runner.unsubscribe.push(deps.links.onChange(() => void runner.syncLinks()));
    runner.unsubscribe.push(deps.configs.onChange(({ key }) => void runner.onConfigChange(key)));
    if (deps.secrets) runner.unsubscribe.push(deps.secrets.onChange(() => void runner.syncLinks()));
    return runner;
  }

  /** The resolved link a call came through, if it still exists. */
  linkFor(call: Pick<IncomingCall, 'source' | 'ref' | 'linkName'>): ProviderLink | null {
    for (const known of this.known.values()) {
      const l = known.link;
      if (
        known.role === 'target' &&
        l.source_id === call.source &&
        l.wit_namespace === call.ref.namespace &&
        l.wit_package === call.ref.package &&
        l.name === call.linkName
      ) {
        return known;
      }
    }
    return null;
  }

  /** Dispatches a call to the handler of its interface and function (a span when tracing). */
  handle(call: IncomingCall): Promise<unknown> {
    if (!tracing.on || isLinkValidation(call.ref)) return this.dispatch(call);
    return this.traced(call);
  }

  private async traced(call: IncomingCall): Promise<unknown> {
    const span = startSpan(`${this.deps.providerId} ${interfaceKey(call.ref)}/${call.function}`, SpanKind.server, call.traceparent, {
      ...this.deps.spanAttributes,
      [Attr.provider]: this.deps.providerId,
      [Attr.source]: call.source,
      [Attr.link]: call.linkName,
      [Attr.interface]: call.interface,
      [Attr.function]: call.function,
      [Attr.rpcSystem]: 'wrpc',
      [Attr.rpcService]: interfaceKey(call.ref),
      [Attr.rpcMethod]: call.function,
      'lattice.provider.name': this.definition.name,
    });
    try {
      // A view of the call with the span as parent; the prototype keeps its lazy `signal`.
      const value = await this.dispatch(Object.create(call, { traceparent: { value: span.traceparent } }) as IncomingCall);
      span.end();
      return value;
    } catch (error) {
      span.end(error instanceof WitError ? `WIT error: ${describePayload(error.payload)}` : error);
      throw error;
    }
  }

  private async dispatch(call: IncomingCall): Promise<unknown> {
    if (isLinkValidation(call.ref)) return this.validate(call.args[0]);
    const handler = this.instance.handlers[interfaceKey(call.ref)]?.[call.function];
    if (!handler) {
      const error = new UnknownFunctionError(this.deps.providerId, call.interface, call.function);
      throw new ApplicationError('unknown-function', error.message);
    }
    return handler({
      interface: call.interface,
      ref: call.ref,
      function: call.function,
      args: call.args,
      source: call.source,
      linkName: call.linkName,
      link: this.linkFor(call),
      deadline: call.deadline,
      // Read only if the handler asks: an abort signal is a timer, measurable per call.
      get signal() {
        return call.signal;
      },
      traceparent: call.traceparent,
    });
  }

  /** Answers the host's "do you accept this link?" with a refusal reason or null. */
  private async validate(raw: unknown): Promise<string | null> {
    const parsed = LinkSchema.safeParse(raw);
    if (!parsed.success || !this.instance.validateLink) return null;
    try {
      return (await this.instance.validateLink(this.resolve(parsed.data))) ?? null;
    } catch (error) {
      return `provider ${this.deps.providerId} could not check the link: ${(error as Error).message}`;
    }
  }

  async health(): Promise<Health> {
    if (!this.instance.healthCheck) return { healthy: true };
    try {
      return await this.instance.healthCheck();
    } catch (error) {
      return { healthy: false, message: (error as Error).message };
    }
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const known of [...this.known.values()]) await this.safely('linkRemoved', () => this.instance.linkRemoved?.(known));
    this.known.clear();
    await this.instance.shutdown?.();
  }

  private resolve(link: Link): ProviderLink {
    return {
      link,
      role: link.target === this.deps.providerId ? 'target' : 'source',
      sourceConfig: mergeConfigs(link.source_config, this.deps.configs.get),
      targetConfig: mergeConfigs(link.target_config, this.deps.configs.get),
      sourceSecrets: this.linkSecrets(link, link.source_secrets),
      targetSecrets: this.linkSecrets(link, link.target_secrets),
    };
  }

  /** A link's secrets; one that cannot be read is left out and logged (never its value). */
  private linkSecrets(link: Link, names: readonly string[]): Record<string, string> {
    if (names.length === 0) return {};
    const { values, problems } = resolveSecrets(names, this.deps.secrets?.get, this.deps.configs.get);
    if (problems.length > 0) this.deps.log.warn({ source: link.source_id, target: link.target, problems }, 'link secrets unavailable');
    return values;
  }

  /** Brings the provider's view of its links in line with the lattice's. */
  private async syncLinks(): Promise<void> {
    const current = new Map<string, ProviderLink>();
    for (const link of this.deps.links.values()) {
      if (involves(link, this.deps.providerId)) current.set(JSON.stringify(link), this.resolve(link));
    }
    for (const [key, known] of this.known) {
      if (!current.has(key)) {
        this.known.delete(key);
        await this.safely('linkRemoved', () => this.instance.linkRemoved?.(known));
      }
    }
    for (const [key, fresh] of current) {
      const before = this.known.get(key);
      if (before && sameConfig(before, fresh)) continue;
      this.known.set(key, fresh);
      await this.safely('linkAdded', () => this.instance.linkAdded?.(fresh));
    }
  }

  private async onConfigChange(name: string): Promise<void> {
    if (this.deps.configNames.includes(name)) {
      const merged = { ...this.deps.defaults, ...mergeConfigs(this.deps.configNames, this.deps.configs.get) };
      const parsed = this.definition.configSchema.safeParse(merged);
      if (parsed.success) await this.safely('configUpdated', () => this.instance.configUpdated?.(parsed.data));
      else this.deps.log.warn({ config: name, problems: describeIssues(parsed.error) }, 'ignoring invalid config update');
    }
    await this.syncLinks();
  }

  /** Hooks are provider code: a failing one is logged, never allowed to stop the host. */
  private async safely(hook: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.deps.log.warn({ err: error, hook }, 'provider hook failed');
    }
  }
}

function sameConfig(a: ProviderLink, b: ProviderLink): boolean {
  const of = (l: ProviderLink) => JSON.stringify([l.sourceConfig, l.targetConfig, l.sourceSecrets, l.targetSecrets]);
  return of(a) === of(b);
}
