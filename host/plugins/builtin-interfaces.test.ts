/**
 * What a component reads of its own environment, served by the host from the lattice's config
 * and secret stores (here in memory): `wasi:config` merged right-most-wins and read live, `env.*`
 * keys as environment, and `wasmcloud:secrets` limited to the grants, references included.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createLogger } from '../../lib/logger.js';
import { WitError } from '../../protocol/mod.js';
import type { ViewChange } from '../../store/kv-view.js';
import { type MemoryStores, memoryStores } from '../../store/memory-stores.js';
import { BuiltinInterfaces } from './builtin-interfaces.js';
import { ComponentSecrets } from './component-secrets.js';

const log = createLogger({ component: 'builtin-interfaces-test' });
const CONFIG = 'wasi:config/store@0.2.0-rc.1';
const SECRETS = 'wasmcloud:secrets/store@0.1.0-draft';
const REVEAL = 'wasmcloud:secrets/reveal@0.1.0-draft';

/** The host's wiring (host/assemble.ts) over memory stores. */
async function builtins(stores: MemoryStores): Promise<BuiltinInterfaces> {
  const configs = await stores.config.live();
  const secrets = new ComponentSecrets(
    () => stores.secrets.reader(),
    (name) => configs.get(name),
  );
  return new BuiltinInterfaces(configs, log, secrets);
}

/** Waits until the config view has heard of `count` more changes. */
async function heard(stores: MemoryStores, count: number, write: () => Promise<void>): Promise<void> {
  const view = await stores.config.live();
  const seen: ViewChange<unknown>[] = [];
  const done = new Promise<void>((resolve) => {
    const stop = view.onChange((change) => {
      seen.push(change);
      if (seen.length === count) {
        stop();
        resolve();
      }
    });
  });
  await write();
  await done;
}

describe('builtin interfaces over the config and secret stores', () => {
  it('wasi:config merges the named configs right-most-wins and reads them live', async () => {
    const stores = memoryStores(log);
    await stores.config.put('base', { greeting: 'hello', 'env.MODE': 'dev', color: 'red' });
    await stores.config.put('prod', { 'env.MODE': 'prod', color: 'blue' });
    const host = await builtins(stores);
    host.setComponentConfig('web', ['base', 'prod', 'not-yet-created']);
    assert.equal(host.call('web', CONFIG, 'get', ['color']), 'blue');
    assert.equal(host.call('web', CONFIG, 'get', ['nope']), null);
    assert.deepEqual(host.grantedEnv('web'), { MODE: 'prod' });
    assert.equal(host.call('other', CONFIG, 'get', ['color']), null, 'a component sees only its own configs');

    await heard(stores, 2, async () => {
      await stores.config.put('not-yet-created', { color: 'green' });
      await stores.config.delete('prod');
    });
    assert.deepEqual(Object.fromEntries(host.call('web', CONFIG, 'get-all', []) as [string, string][]), {
      greeting: 'hello',
      'env.MODE': 'dev',
      color: 'green',
    });
    await stores.close();
  });

  it('wasmcloud:secrets grants stored secrets and references, and reveals the current value', async () => {
    const stores = memoryStores(log, { secretsKey: randomBytes(32) });
    await stores.secrets.put('db-password', 'hunter2');
    await stores.secrets.put('api', JSON.stringify({ token: 't-1' }));
    // wadm's reference for a manifest secret: the component sees `token`, the value is api's field.
    await stores.config.put('SECRET_app-token', { name: 'token', key: 'api', field: 'token' });
    const host = await builtins(stores);

    assert.deepEqual(await host.secrets?.grant('web', ['db-password', 'SECRET_app-token']), []);
    const reveal = (key: string): unknown => host.call('web', REVEAL, 'reveal', [host.call('web', SECRETS, 'get', [key])]);
    assert.deepEqual(reveal('db-password'), { tag: 'string', val: 'hunter2' });
    assert.deepEqual(reveal('token'), { tag: 'string', val: 't-1' });
    assert.throws(
      () => host.call('web', SECRETS, 'get', ['api']),
      (e: unknown) => e instanceof WitError,
      'api is granted only through the reference, under the name token',
    );
    assert.throws(() => host.call('other', SECRETS, 'get', ['db-password']), WitError);

    const reader = await stores.secrets.reader();
    const rotated = new Promise<void>((resolve) => reader.onChange(() => resolve()));
    await stores.secrets.put('db-password', 'correct horse');
    await rotated;
    assert.deepEqual(reveal('db-password'), { tag: 'string', val: 'correct horse' });
    await stores.close();
  });

  it('a grant naming secrets that do not resolve is refused with the reasons', async () => {
    const stores = memoryStores(log, { secretsKey: randomBytes(32) });
    await stores.config.put('SECRET_app-gone', { name: 'gone', key: 'deleted-secret' });
    const host = await builtins(stores);
    assert.deepEqual(await host.secrets?.grant('web', ['missing', 'SECRET_app-gone']), [
      'secret "missing" does not exist',
      'secret "deleted-secret" (referenced by SECRET_app-gone) does not exist',
    ]);
    assert.throws(() => host.call('web', SECRETS, 'get', ['missing']), WitError);

    // Sealed under another key: the host cannot open it, and says so.
    const other = memoryStores(log, { secretsKey: randomBytes(32) });
    await other.secrets.put('db-password', 'x');
    await stores.buckets.secrets.put('db-password', (await other.buckets.secrets.get('db-password'))!);
    const problems = await host.secrets?.grant('web', ['db-password']);
    assert.equal(problems?.length, 1);
    assert.match(problems?.[0] ?? '', /sealed with another secrets key/);
    await Promise.all([stores.close(), other.close()]);
  });
});
