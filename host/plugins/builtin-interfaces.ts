import { interfaceKey, parseInterfaceName, WitError, type ConfigValues } from '../../protocol/mod.js';
import type { Logger } from '../../lib/logger.js';
import { traceLogFields } from '../../lib/telemetry/tracing.js';
import type { KvView } from '../../store/kv-view.js';
import type { ComponentSecrets } from './component-secrets.js';

/**
 * Interfaces the host serves to its components itself, with no link: `wasi:config` (the
 * component's own named configs, merged right-most-wins and read live), `wasi:logging` (into
 * the host's log, tagged with the component) and `wasmcloud:secrets` (the secrets granted at
 * scale time). wasmCloud serves them from the host for the same reason: they describe the
 * component's own environment, not a capability linked to it.
 */
/** Config keys with this prefix become the component's environment variables. */
export const ENV_PREFIX = 'env.';

export class BuiltinInterfaces {
  private readonly configNames = new Map<string, readonly string[]>();

  constructor(
    private readonly configs: KvView<ConfigValues>,
    private readonly log: Logger,
    readonly secrets?: ComponentSecrets,
  ) {}

  /**
   * The lowest pino level value the guest log records: the runtime's workers drop lower
   * wasi:logging lines without sending them here.
   */
  get logLevel(): number {
    return this.log.levelVal;
  }

  /** Records which named configs a component was scaled with. */
  setComponentConfig(componentId: string, names: readonly string[]): void {
    if (names.length) this.configNames.set(componentId, names);
    else this.configNames.delete(componentId);
  }

  serves(iface: string): boolean {
    const key = interfaceKey(parseInterfaceName(iface));
    return (
      key === 'wasi:config/store' ||
      key === 'wasi:config/runtime' ||
      key === 'wasi:logging/logging' ||
      (this.secrets !== undefined && (key === 'wasmcloud:secrets/store' || key === 'wasmcloud:secrets/reveal'))
    );
  }

  /**
   * Environment variables a component's config grants: keys `env.NAME`. Nothing else reaches
   * `wasi:cli/environment` (deny by default: a component sees no host environment).
   */
  grantedEnv(componentId: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.merged(componentId))) {
      if (key.startsWith(ENV_PREFIX) && key.length > ENV_PREFIX.length) env[key.slice(ENV_PREFIX.length)] = value;
    }
    return env;
  }

  private merged(componentId: string): ConfigValues {
    const out: ConfigValues = {};
    for (const name of this.configNames.get(componentId) ?? []) Object.assign(out, this.configs.get(name) ?? {});
    return out;
  }

  /** TRACEPARENT: the calling invocation's, when traced; its log lines then carry the trace id. */
  call(componentId: string, iface: string, fn: string, args: unknown[], traceparent?: string): unknown {
    const key = interfaceKey(parseInterfaceName(iface));
    if (key === 'wasi:logging/logging' && fn === 'log') return this.logLine(componentId, args, traceparent);
    if (this.secrets && (key === 'wasmcloud:secrets/store' || key === 'wasmcloud:secrets/reveal')) return this.secrets.call(componentId, fn, args);
    if (key === 'wasi:config/store' || key === 'wasi:config/runtime') {
      const config = this.merged(componentId);
      if (fn === 'get') return config[String(args[0])] ?? null;
      if (fn === 'get-all') return Object.entries(config);
    }
    throw new WitError({ tag: 'upstream', val: `${iface}#${fn} is not supported` });
  }

  private logLine(componentId: string, args: unknown[], traceparent: string | undefined): void {
    const [level, context, message] = args as [string, string, string];
    const ids = traceLogFields(traceparent);
    const log = this.log.child(ids ? { component_id: componentId, context, ...ids } : { component_id: componentId, context });
    // wasi:logging levels: trace, debug, info, warn, error, critical.
    switch (level) {
      case 'trace':
        log.trace(message);
        break;
      case 'debug':
        log.debug(message);
        break;
      case 'warn':
        log.warn(message);
        break;
      case 'error':
        log.error(message);
        break;
      case 'critical':
        log.fatal(message);
        break;
      default:
        log.info(message);
    }
  }
}
