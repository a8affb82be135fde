import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { createLogger } from '../../lib/logger.js';
import { interfaceKey, parseInterfaceName, toOutcome, type CallOutcome, type ConfigValues, type LinkInput, Link } from '../../protocol/mod.js';
import type { ProviderDefinition, ProviderInstance, ProviderLink } from '../../providers/sdk/types.js';

/**
 * A provider started directly from its definition, without a host or ProviderRunner: the test
 * plays the runner (links in, calls in) and reads each call's outcome as `{tag: ok|err, val}`.
 */
export class DirectProvider {
  private constructor(
    readonly instance: ProviderInstance,
    readonly dataDir: string,
  ) {}

  static async start(definition: ProviderDefinition, config: ConfigValues, nc: NatsConnection): Promise<DirectProvider> {
    const parsed = definition.configSchema.parse(config);
    const dataDir = await mkdtemp(join(tmpdir(), `lattice-${definition.name}-`));
    const instance = await definition.start({
      providerId: 'provider',
      hostId: 'host',
      lattice: 'default',
      config: parsed,
      secrets: {},
      log: createLogger({ test: definition.name }),
      nc,
      dataDir,
      call: () => Promise.reject(new Error('this harness does not call components')),
    });
    return new DirectProvider(instance, dataDir);
  }

  /** A link from `source` to this provider, as the runner would resolve it. */
  static targetLink(input: Omit<LinkInput, 'target'>, targetConfig: ConfigValues = {}, targetSecrets: Record<string, string> = {}): ProviderLink {
    return { link: Link.parse({ ...input, target: 'provider' }), role: 'target', sourceConfig: {}, targetConfig, sourceSecrets: {}, targetSecrets };
  }

  async addLink(link: ProviderLink): Promise<void> {
    await this.instance.linkAdded?.(link);
  }

  /** Calls `fn` of `iface` as `source` through `link`. */
  call(source: string, iface: string, fn: string, args: unknown[], link: ProviderLink | null = null): Promise<CallOutcome> {
    const ref = parseInterfaceName(iface);
    const handler = this.instance.handlers[interfaceKey(ref)]?.[fn];
    if (!handler) throw new Error(`no handler for ${iface}#${fn}`);
    return toOutcome(() =>
      handler({
        interface: iface,
        ref,
        function: fn,
        args,
        source,
        linkName: link?.link.name ?? 'default',
        link,
        deadline: Date.now() + 10_000,
        signal: new AbortController().signal,
      }),
    );
  }

  /** The value of an ok call; throws with the error payload otherwise. */
  async ok(source: string, iface: string, fn: string, args: unknown[], link: ProviderLink | null = null): Promise<unknown> {
    const outcome = await this.call(source, iface, fn, args, link);
    if (outcome.tag === 'err') throw new Error(`${fn} failed: ${JSON.stringify(outcome.val, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    return outcome.val;
  }

  async stop(): Promise<void> {
    await this.instance.shutdown?.();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
