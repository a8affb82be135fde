import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { buckets } from '../protocol/mod.js';
import type { Logger } from '../lib/logger.js';
import type { BucketOptions } from './kv.js';
import type { KvBucket } from './kv-bucket.js';
import { TypedKvStore } from './typed-kv.js';

/**
 * Secrets of one lattice, in the JetStream KV bucket `SECRETDATA_<lattice>`: one key per secret
 * name, its value sealed with AES-256-GCM under the lattice secrets key (lib/secrets-key.ts), the
 * lattice and the name bound in as associated data so a sealed value cannot be replayed under
 * another name. NATS, JetStream and anyone reading the bucket without the key see ciphertext only.
 */
export const SealedSecret = z.strictObject({
  v: z.literal(1),
  alg: z.literal('A256GCM'),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type SealedSecret = z.infer<typeof SealedSecret>;

/** A secret could not be opened: no key configured, or not the key that sealed it. */
export class SecretUnavailableError extends Error {
  constructor(
    readonly secret: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecretUnavailableError';
  }
}

export function sealSecret(key: Buffer, lattice: string, name: string, value: string): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${lattice}/${name}`));
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { v: 1, alg: 'A256GCM', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function openSecret(key: Buffer | null, lattice: string, name: string, sealed: SealedSecret): string {
  if (!key) {
    throw new SecretUnavailableError(
      name,
      `secret "${name}" cannot be read: this process has no secrets key (set LATTICE_SECRETS_KEY or LATTICE_SECRETS_KEY_FILE)`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(`${lattice}/${name}`));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new SecretUnavailableError(name, `secret "${name}" cannot be read: it was sealed with another secrets key (or altered)`, { cause });
  }
}

export class SecretStore {
  private constructor(
    private readonly store: TypedKvStore<SealedSecret>,
    readonly lattice: string,
    private key: Buffer | null,
    private readonly log: Logger,
    private readonly loadKey?: () => Promise<Buffer | null>,
  ) {}

  get bucket(): string {
    return this.store.bucket;
  }

  /**
   * `key` null: names can be listed and checked, values not read or written. With `loadKey`, a
   * store without a key looks for one again whenever secrets are asked for: a host started before
   * the first `lattice secret put` wrote the key file picks it up without a restart.
   */
  static async open(
    nc: NatsConnection,
    lattice: string,
    key: Buffer | null,
    log: Logger,
    options: BucketOptions = {},
    loadKey?: () => Promise<Buffer | null>,
  ): Promise<SecretStore> {
    return new SecretStore(await TypedKvStore.open(nc, buckets.secrets(lattice), SealedSecret, log, options), lattice, key, log, loadKey);
  }

  /** The store over another bucket (memory-stores.ts: in memory, for unit tests); `key` and `loadKey` as for `open`. */
  static over(bucket: KvBucket, lattice: string, key: Buffer | null, log: Logger, loadKey?: () => Promise<Buffer | null>): SecretStore {
    return new SecretStore(TypedKvStore.over(bucket, SealedSecret, log), lattice, key, log, loadKey);
  }

  private async ensureKey(): Promise<void> {
    if (this.key || !this.loadKey) return;
    try {
      this.key = await this.loadKey();
      if (this.key) this.log.info({ bucket: this.bucket }, 'secrets key found');
    } catch (error) {
      this.log.warn({ err: error }, 'secrets key unreadable');
    }
  }

  get hasKey(): boolean {
    return this.key !== null;
  }

  /** The key for a child process of this host (a provider process), as LATTICE_SECRETS_KEY wants it. */
  async keyForChild(): Promise<string | null> {
    await this.ensureKey();
    return this.key?.toString('base64') ?? null;
  }

  async put(name: string, value: string): Promise<void> {
    await this.ensureKey();
    if (!this.key)
      throw new SecretUnavailableError(name, `secret "${name}" cannot be stored: no secrets key (set LATTICE_SECRETS_KEY or LATTICE_SECRETS_KEY_FILE)`);
    await this.store.put(name, sealSecret(this.key, this.lattice, name, value));
  }

  /** The value of `name`, or null when it does not exist; throws SecretUnavailableError. */
  async reveal(name: string): Promise<string | null> {
    await this.ensureKey();
    const sealed = await this.store.get(name);
    return sealed ? openSecret(this.key, this.lattice, name, sealed) : null;
  }

  /** Deletes `name`; returns false when it did not exist. */
  delete(name: string): Promise<boolean> {
    return this.store.delete(name);
  }

  names(): Promise<string[]> {
    return this.store.keys();
  }

  /** The names among `names` that are not stored, in the order given. */
  missing(names: readonly string[]): Promise<string[]> {
    return this.store.missing(names);
  }

  /**
   * A synchronous reader over a live view (for provider link resolution on the hot path): the
   * value of a secret, null when it does not exist; throws SecretUnavailableError.
   */
  async reader(): Promise<{ reveal(name: string): string | null; onChange(fn: (change: { key: string }) => void): () => void }> {
    await this.ensureKey();
    const view = await this.store.live();
    return {
      reveal: (name) => {
        const sealed = view.get(name);
        return sealed ? openSecret(this.key, this.lattice, name, sealed) : null;
      },
      // A secret put is also when a first key file appears: look for it before listeners resolve.
      onChange: (fn) => view.onChange((change) => void this.ensureKey().then(() => fn(change))),
    };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
