import type { ProviderDefinition } from './sdk/types.js';

/**
 * Which provider an image reference starts. wasmCloud manifests name OCI images of its Rust
 * providers; each resolves to the provider here that serves the same interfaces, with the
 * backend the image implies. Unknown references are refused with this table in the message.
 */
export interface ProviderAlias {
  /** Matched against the image reference; `*` matches any tag. */
  pattern: string;
  provider: string;
  /** Config defaults the image implies (e.g. the keyvalue backend). Explicit config wins. */
  defaults: Record<string, string>;
}

export const PROVIDER_ALIASES: readonly ProviderAlias[] = [
  { pattern: 'wasmcloud+builtin://http-server', provider: 'http-server', defaults: {} },
  { pattern: 'ghcr.io/wasmcloud/http-server:*', provider: 'http-server', defaults: {} },
  { pattern: 'wasmcloud+builtin://http-client', provider: 'http-client', defaults: {} },
  { pattern: 'ghcr.io/wasmcloud/http-client:*', provider: 'http-client', defaults: {} },
  { pattern: 'wasmcloud+builtin://keyvalue', provider: 'keyvalue', defaults: { backend: 'memory' } },
  { pattern: 'ghcr.io/wasmcloud/keyvalue-redis:*', provider: 'keyvalue', defaults: { backend: 'redis' } },
  { pattern: 'ghcr.io/wasmcloud/keyvalue-nats:*', provider: 'keyvalue', defaults: { backend: 'nats' } },
  { pattern: 'ghcr.io/wasmcloud/keyvalue-vault:*', provider: 'keyvalue', defaults: { backend: 'memory' } },
  { pattern: 'wasmcloud+builtin://blobstore', provider: 'blobstore', defaults: { backend: 'fs' } },
  { pattern: 'ghcr.io/wasmcloud/blobstore-fs:*', provider: 'blobstore', defaults: { backend: 'fs' } },
  { pattern: 'ghcr.io/wasmcloud/blobstore-nats:*', provider: 'blobstore', defaults: { backend: 'nats' } },
  { pattern: 'wasmcloud+builtin://messaging-nats', provider: 'messaging', defaults: {} },
  { pattern: 'ghcr.io/wasmcloud/messaging-nats:*', provider: 'messaging', defaults: {} },
  { pattern: 'lattice://http-server', provider: 'http-server', defaults: {} },
  { pattern: 'lattice://http-client', provider: 'http-client', defaults: {} },
  { pattern: 'lattice://keyvalue', provider: 'keyvalue', defaults: { backend: 'memory' } },
  { pattern: 'lattice://keyvalue-memory', provider: 'keyvalue', defaults: { backend: 'memory' } },
  { pattern: 'lattice://keyvalue-nats', provider: 'keyvalue', defaults: { backend: 'nats' } },
  { pattern: 'lattice://keyvalue-redis', provider: 'keyvalue', defaults: { backend: 'redis' } },
  { pattern: 'lattice://blobstore-fs', provider: 'blobstore', defaults: { backend: 'fs' } },
  { pattern: 'lattice://blobstore-nats', provider: 'blobstore', defaults: { backend: 'nats' } },
  { pattern: 'lattice://messaging', provider: 'messaging', defaults: {} },
];

function matches(pattern: string, ref: string): boolean {
  if (pattern.endsWith(':*')) return ref.startsWith(pattern.slice(0, -1)) || ref === pattern.slice(0, -2);
  return ref === pattern;
}

export function resolveAlias(ref: string): ProviderAlias | null {
  return PROVIDER_ALIASES.find((alias) => matches(alias.pattern, ref)) ?? null;
}

/** Loads provider definitions lazily so a host only imports the providers it runs. */
export const PROVIDER_MODULES: Record<string, () => Promise<ProviderDefinition>> = {
  'http-server': async () => (await import('./http-server/index.js')).default,
  'http-client': async () => (await import('./http-client/index.js')).default,
  keyvalue: async () => (await import('./keyvalue/index.js')).default,
  blobstore: async () => (await import('./blobstore/index.js')).default,
  messaging: async () => (await import('./messaging/index.js')).default,
};

export class UnknownProviderImageError extends Error {
  constructor(readonly ref: string) {
    super(`no provider for image ${JSON.stringify(ref)}; known images: ${PROVIDER_ALIASES.map((a) => a.pattern).join(', ')}`);
    this.name = 'UnknownProviderImageError';
  }
}

/** The definition and implied config defaults for an image reference. */
export async function loadProvider(ref: string): Promise<{ definition: ProviderDefinition; defaults: Record<string, string> }> {
  const alias = resolveAlias(ref);
  if (!alias) throw new UnknownProviderImageError(ref);
  const load = PROVIDER_MODULES[alias.provider];
  if (!load) throw new UnknownProviderImageError(ref);
  return { definition: await load(), defaults: alias.defaults };
}
