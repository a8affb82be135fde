/**
 * Public API of the host: `startHost(options)` and the types plug-ins (component runtime,
 * provider supervisor, link router) use to extend it.
 */
import { assembleHost } from './assemble.js';
import type { Host } from './host.js';
import type { HostOptions } from './options.js';

export { Host, type HostState } from './host.js';
export type { HostPlugins } from './plugins/types.js';
export { LinkRouter } from './router/link-router.js';
export { LocalTargets } from './router/local-targets.js';
export * from './options.js';
export { DEFAULT_HEARTBEAT_INTERVAL_MS } from './heartbeat.js';
export { createIdentity, generateFriendlyName, type HostIdentity } from './identity.js';
export { HostLabels, LabelError, LABEL_ENV_PREFIX, builtinLabels, labelsFromEnv, matchesConstraints } from './labels.js';
export { Inventory } from './inventory.js';
export { EventPublisher } from './events.js';
export { WorkTracker, type DrainResult } from './work-tracker.js';
export { ExtensionRegistry } from './control/extensions.js';
export type {
  AuctionHandler,
  CommandHandler,
  ExtensionHandler,
  ExtensionOp,
  ExtensionRequest,
  RequestContext,
} from './control/types.js';
export { ConfigStore } from '../store/config-store.js';
export { LinkStore, LinkView } from '../store/link-store.js';
export { KvView, type ViewChange, type ViewListener } from '../store/kv-view.js';
export { StoredValueError } from '../store/kv.js';

/**
 * Starts a host: connects to NATS (or uses `options.nats`), joins `options.lattice`, opens the
 * lattice's link and config buckets, and announces itself (`host_started`, `host_inventory`,
 * heartbeats). Rejects with LabelError for reserved or malformed labels.
 *
 * @example
 * const host = await startHost({ lattice: 'default', labels: { zone: 'edge' } });
 * host.control.register('component.scale', async (req) => ok());
 * await host.stop({ timeoutMs: 5_000 });
 */
export function startHost(options: HostOptions = {}): Promise<Host> {
  return assembleHost(options);
}
