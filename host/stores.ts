/**
 * The lattice's KV stores every host keeps open: links, named config and secrets, in the
 * lattice's buckets (on the JetStream domain of `options.jsDomain`).
 */
import type { NatsConnection } from 'nats';
import type { Logger } from '../lib/logger.js';
import { loadSecretsKey } from '../lib/secrets-key.js';
import { ConfigStore } from '../store/config-store.js';
import { latticeJsDomain } from '../store/kv.js';
import { LinkStore } from '../store/link-store.js';
import { SecretStore } from '../store/secret-store.js';
import type { HostOptions } from './options.js';

export interface LatticeStores {
  links: LinkStore;
  config: ConfigStore;
  secrets: SecretStore;
}

/** Opens the three stores at once; when one fails the caller gets none of them. */
export async function openStores(nc: NatsConnection, lattice: string, log: Logger, options: HostOptions): Promise<LatticeStores> {
  const bucketOptions = { replicas: options.kvReplicas, domain: latticeJsDomain(options.jsDomain) };
  // Without an explicit key the host reads the configured one, and looks again later if none is there yet.
  const secretsKey = options.secretsKey === undefined ? await loadSecretsKey() : options.secretsKey;
  const reloadKey = options.secretsKey === undefined ? () => loadSecretsKey() : undefined;
  const [links, config, secrets] = await Promise.all([
    LinkStore.open(nc, lattice, log, bucketOptions),
    ConfigStore.open(nc, lattice, log, bucketOptions),
    SecretStore.open(nc, lattice, secretsKey, log, bucketOptions, reloadKey),
  ]);
  return { links, config, secrets };
}

export async function closeStores({ links, config, secrets }: LatticeStores): Promise<void> {
  await Promise.all([links.close(), config.close(), secrets.close()]);
}
