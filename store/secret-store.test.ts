import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createLogger } from '../lib/logger.js';
import { MemoryKvBucket } from './memory-kv.js';
import { SealedSecret, SecretStore, SecretUnavailableError } from './secret-store.js';

const log = createLogger({ component: 'secret-store-test' });
const key = randomBytes(32);

describe('SecretStore over memory', () => {
  it('seals on put and opens on reveal; the bucket holds ciphertext only', async () => {
    const bucket = new MemoryKvBucket('SECRETDATA_default');
    const secrets = SecretStore.over(bucket, 'default', key, log);
    await secrets.put('db-password', 'hunter2');
    assert.equal(await secrets.reveal('db-password'), 'hunter2');
    assert.equal(await secrets.reveal('nope'), null);
    const raw = new TextDecoder().decode((await bucket.get('db-password'))!);
    assert.equal(raw.includes('hunter2'), false);
    assert.equal(SealedSecret.parse(JSON.parse(raw)).alg, 'A256GCM');
    assert.deepEqual(await secrets.names(), ['db-password']);
    assert.deepEqual(await secrets.missing(['db-password', 'api-token']), ['api-token']);
  });

  it('another key, or a sealed value moved under another name, is refused with SecretUnavailableError', async () => {
    const bucket = new MemoryKvBucket('SECRETDATA_default');
    await SecretStore.over(bucket, 'default', key, log).put('a', 'value of a');
    const other = SecretStore.over(bucket, 'default', randomBytes(32), log);
    await assert.rejects(other.reveal('a'), (e: unknown) => e instanceof SecretUnavailableError && e.secret === 'a' && /another secrets key/.test(e.message));
    // The name is bound into the seal: a copy of a's value under b does not open.
    await bucket.put('b', (await bucket.get('a'))!);
    await assert.rejects(SecretStore.over(bucket, 'default', key, log).reveal('b'), SecretUnavailableError);
  });

  it('without a key, names are listed and checked but values are neither read nor written', async () => {
    const bucket = new MemoryKvBucket('SECRETDATA_default');
    await SecretStore.over(bucket, 'default', key, log).put('a', 'x');
    const keyless = SecretStore.over(bucket, 'default', null, log);
    assert.equal(keyless.hasKey, false);
    assert.deepEqual(await keyless.names(), ['a']);
    await assert.rejects(keyless.reveal('a'), /has no secrets key/);
    await assert.rejects(keyless.put('b', 'y'), (e: unknown) => e instanceof SecretUnavailableError && /cannot be stored/.test(e.message));
    assert.equal(await keyless.delete('a'), true);
  });

  it('a store without a key finds one that appears later (loadKey), and hands it to a child', async () => {
    let found: Buffer | null = null;
    const secrets = SecretStore.over(new MemoryKvBucket('SECRETDATA_default'), 'default', null, log, async () => found);
    assert.equal(await secrets.keyForChild(), null);
    found = key;
    await secrets.put('a', 'later');
    assert.equal(await secrets.reveal('a'), 'later');
    assert.equal(await secrets.keyForChild(), key.toString('base64'));
  });

  it('the synchronous reader reveals the current value and tells of changes', async () => {
    const secrets = SecretStore.over(new MemoryKvBucket('SECRETDATA_default'), 'default', key, log);
    await secrets.put('token', 'v1');
    const reader = await secrets.reader();
    assert.equal(reader.reveal('token'), 'v1');
    assert.equal(reader.reveal('nope'), null);
    const changed = new Promise<string>((resolve) => reader.onChange((change) => resolve(change.key)));
    await secrets.put('token', 'v2');
    assert.equal(await changed, 'token');
    assert.equal(reader.reveal('token'), 'v2');
    await secrets.close();
  });
});
