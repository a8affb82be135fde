/**
 * What the host offers the parts plugged into it (host/plugins/): the narrow view they depend on
 * instead of the Host class, so that the host and its plugins do not import each other.
 * `Host` implements it; `assemble` hands it to each plugin.
 */
import type { NatsConnection } from 'nats';
import type { Logger } from '../lib/logger.js';
import type { PolicyClient } from './admission/policy.js';
import type { ExtensionRegistry } from './control/extensions.js';
import type { EventPublisher } from './events.js';
import type { Inventory } from './inventory.js';
import type { HostMetrics } from './metrics/mod.js';
import type { ConfigStore } from '../store/config-store.js';
import type { LinkStore } from '../store/link-store.js';
import type { SecretStore } from '../store/secret-store.js';
import type { WorkTracker } from './work-tracker.js';

/** Called during a stop after in-flight work drained, newest first; `deadline` is an epoch ms. */
export type StopHook = (ctx: { deadline: number; reason: string }) => Promise<void> | void;

export interface HostServices {
  readonly id: string;
  readonly lattice: string;
  readonly nc: NatsConnection;
  readonly log: Logger;
  /** Lattice events with this host as the source. */
  readonly events: EventPublisher;
  /** Where plugins register their control-interface operations. */
  readonly control: ExtensionRegistry;
  readonly inventory: Inventory;
  /** In-flight work a graceful stop waits for. */
  readonly work: WorkTracker;
  readonly policy: PolicyClient;
  readonly metrics: HostMetrics | null;
  readonly links: LinkStore;
  readonly config: ConfigStore;
  readonly secrets: SecretStore;
  /** The host's own folder (providers keep theirs below it); undefined: a temp folder. */
  readonly dataDir: string | undefined;
  /** NATS settings for child processes that join the lattice on their own (providers). */
  natsEnv(): Record<string, string>;
  onStop(hook: StopHook): void;
}
